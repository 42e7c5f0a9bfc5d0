"""The gradebook of one grading output folder: every result, the manual scores, the hand
corrections and the late policy, tallied into one final grade per student.

``grades.csv``, every feedback file and every LMS export are made from ``tally``'s answer, so
a correction entered once shows everywhere and a regrade never loses it.
"""
