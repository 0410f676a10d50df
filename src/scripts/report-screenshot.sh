#!/usr/bin/env bash
# Makes docs/report-screenshot.png: the demo report (lde demo --certify --compare ig,saliency,occlusion on the first 3
# embedded Fashion-MNIST test images) rendered by headless Chromium, 1400 x 2600 pixels (the top of the page:
# the summary table and the first image's figure). Needs chromium (apt-get install chromium) and the jar
# (built here when missing). ReportBrowserTest checks the same page in the test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
exe=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$exe" ]; then
  echo "report-screenshot.sh: no chromium on the PATH (apt-get install chromium)" >&2
  exit 1
fi
[ -f target/lde.jar ] || mvn -B -ntp -q -DskipTests package
out=target/report-screenshot
java -jar target/lde.jar demo --count 3 --certify --compare ig,saliency,occlusion --quiet --overwrite --out "$out"
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$exe" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run --user-data-dir="$profile" \
  --window-size=1400,2600 --virtual-time-budget=10000 --screenshot="$PWD/docs/report-screenshot.png" \
  "file://$PWD/$out/index.html" 2>/dev/null
echo "wrote docs/report-screenshot.png from $out/index.html"
