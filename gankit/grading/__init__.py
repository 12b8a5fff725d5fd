"""nbgrader, driven for a course kept in git: release student versions, grade a folder of submissions.

- `course`: the project's folders, and throwaway nbgrader course directories built from them.
- `repair`: reading a submission and mending what editors do to it (lost metadata, duplicated cells).
- `grade`: autograde a folder of submissions into a gradebook CSV and feedback, one row per file.
"""
