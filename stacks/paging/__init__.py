"""Who gets paged, and when: the on-call calendar, the paging timeline of an incident nobody
acknowledges, findings about gaps and risks, an HTML report, and the difference a change makes.

Pure Python: nothing here loads cdktf, so `python main.py preview` stays fast.
"""
