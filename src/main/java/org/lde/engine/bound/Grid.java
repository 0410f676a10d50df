package org.lde.engine.bound;

import org.lde.tensor.Shape;

/**
 * A node of a network seen as channels x rows x columns: an image {@code [C, H, W]}
 * as it is, any other shape (a vector) as {@code [size, 1, 1]}.
 */
record Grid(int c, int h, int w) {
    static Grid of(Shape s) {
        return s.rank() == 3 ? new Grid(s.dim(0), s.dim(1), s.dim(2)) : new Grid(s.sizeInt(), 1, 1);
    }

    int size() {
        return c * h * w;
    }

    int plane() {
        return h * w;
    }
}
