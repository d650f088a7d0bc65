"""`sibyl diff`: a seed change previewed. The marts are built with the working tree's seeds in a
scratch place, compared with the marts as built (or built from the seeds at a git ref), and the
scratch place is dropped: the real marts are never written."""
