package org.lde.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Columns are as wide as their widest cell: nothing is cut, numbers line up on the right. */
class TextTableTest {

    @Test
    void columnsFitTheirWidestCellAndNothingIsCut() {
        TextTable t = new TextTable(List.of("method", "infidelity_norm", "x"))
                .add(List.of("a-very-long-method-name", "1.5", "123456"))
                .add(List.of("b", "-0.25", "7"));
        assertEquals(List.of(
                "method                   infidelity_norm       x",
                "a-very-long-method-name              1.5  123456",
                "b                                  -0.25       7"), t.lines());
        assertEquals(String.join("\n", t.lines()) + "\n", t.toString());
    }

    @Test
    void aRowWithTheWrongNumberOfCellsIsRefused() {
        TextTable t = new TextTable(List.of("a", "b"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.add(List.of("1")));
        assertEquals("row has 1 cells for 2 columns: [1]", e.getMessage());
    }
}
