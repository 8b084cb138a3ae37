"""The guards' memos: short lines only, and emptied by an erasure."""

from copilot.guards import memo


def test_short_lines_are_memoised_long_ones_not_and_clear_all_empties() -> None:
    calls: list[str] = []

    @memo.line_cache(maxsize=16)
    def upper(line: str) -> str:
        calls.append(line)
        return line.upper()

    short, long = "Hei Aino,", "x" * (memo.LONGEST + 1)
    assert [upper(short), upper(short), upper(long), upper(long)] == [short.upper(), short.upper(),
                                                                       long.upper(), long.upper()]
    assert calls == [short, long, long]
    memo.clear_all()
    upper(short)
    assert calls == [short, long, long, short]  # forgotten: computed again
