"""`sibyl discover`: draft seed CSVs from what the loaded CUR (and AWS Organizations) already say.

The drafts are for a person to review: every folded spelling and every value alias carries its
spend and the reason it was drafted, and nothing is written over an existing file unless asked.
Not to be confused with `sibyl.cur.discover`, which finds CUR deliveries in a bucket.
"""
