"""The estate as the AWS APIs describe it: one scanner per resource type, the scan, its snapshot, its raw tables."""
