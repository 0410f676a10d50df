/**
 * File output that never leaves a partial file ({@link org.lde.io.AtomicFiles}). A leaf package:
 * it imports nothing of the engine, so model, data, report and cli may all use it.
 */
package org.lde.io;
