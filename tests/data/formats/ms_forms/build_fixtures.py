"""Build the Microsoft Forms fixture workbooks from the hand-written rows below.

Run from the repository root: ``python tests/data/formats/ms_forms/build_fixtures.py``.
The committed .xlsx files are what the tests read; this script documents every cell.

suffolk_post.xlsx — a post-programme self-assessment with a quiz question, as Forms
downloads it: real Excel date-times (one cell that lost its date format and holds a bare
serial number, one that holds text), an anonymous reply, a response in the hour the clocks
go back (30 Oct 2022 01:15, first occurrence), a misspelt label, an edited response
(Last modified time), a blank row, a repeated submission, and question columns out of the
form's order (the "then" question after the later ones).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

HERE = Path(__file__).parent

CONFIDENT_NOW = "How confident are you using X (Twitter) for council work, now?"
CONFIDENT_THEN = "Looking back, how confident were you using X (Twitter) before the programme?"
ACTIONS = "Which of these have you done since the master class?"
QUIZ = "What does a 'reply' do?"
COMMENTS = "Anything else you'd like to tell us?\nAbout the master class, or the workshops"

HEADER = [
    "ID", "Start time", "Completion time", "Email", "Name", "Last modified time",
    "Total points", "Quiz feedback",
    CONFIDENT_NOW, ACTIONS, QUIZ, "Points - " + QUIZ, "Feedback - " + QUIZ, COMMENTS, CONFIDENT_THEN,
]

D = dt.datetime
ROWS = [
    # sheet row 2
    [1, D(2022, 11, 15, 9, 30, 5), D(2022, 11, 15, 9, 34, 41), "sam.jones@suffolk.gov.uk", "Sam Jones", None,
     1, None, "Confident", "Posted a reply to a resident;Updated my profile;", "It answers a post publicly",
     1, "Correct", "Great, thanks", "Slightly confident"],
    # sheet row 3: anonymous, in the repeated hour of the autumn clock change
    [2, D(2022, 10, 30, 1, 9, 0), D(2022, 10, 30, 1, 15, 0), "anonymous", None, None,
     0, None, "Very confident", "Updated my profile;", "It sends a private message",
     0, "Not quite: a reply is public", None, "Moderately confident"],
    # sheet row 4: completion time lost its date format (serial number = 16 Nov 2022 12:00)
    [3, D(2022, 11, 16, 11, 52, 0), 44881.5, "R.Ahmed@EastSuffolk.gov.uk", "Rukhsana Ahmed", None,
     None, None, "  very confident ", None, None, None, None, None, "Not at all"],
    # sheet row 5: blank
    [None] * 15,
    # sheet row 6: misspelt label, edited after submission
    [4, D(2022, 11, 17, 14, 0, 0), D(2022, 11, 17, 14, 3, 30), "k.brown@suffolk.gov.uk", "Kim Brown",
     D(2022, 11, 18, 8, 0, 0), 1, None, "Confidnet", "Posted a reply to a resident;", "It answers a post publicly",
     1, "Correct", "The \"Ask me anything\" idea; could we try it?", "Confident"],
    # sheet row 7: Sam Jones submitted the same answers again a minute later
    [5, D(2022, 11, 15, 9, 35, 0), D(2022, 11, 15, 9, 35, 40), "sam.jones@suffolk.gov.uk", "Sam Jones", None,
     1, None, "Confident", "Posted a reply to a resident;Updated my profile;", "It answers a post publicly",
     1, "Correct", "Great, thanks", "Slightly confident"],
    # sheet row 8: completion time typed over as text
    [6, D(2022, 11, 18, 10, 0, 0), "not recorded", "l.green@babergh.gov.uk", "Lee Green", None,
     None, None, "Confident", None, None, None, None, None, "Confident"],
]


def build_suffolk_post(path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(HEADER)
    for row in ROWS:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, dt.datetime):
                cell.number_format = "m/d/yy h:mm:ss"
    book.save(path)


if __name__ == "__main__":
    build_suffolk_post(HERE / "suffolk_post.xlsx")
