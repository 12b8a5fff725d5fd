# nbgrader settings for instructors who call `nbgrader` themselves from this folder: the same
# settings `gankit release` and `gankit grade` use (gankit/grading/course.py), which run in a
# throwaway course directory and so never write a gradebook.db or submitted/ folder here.
from gankit.grading.course import RELEASE, SOURCE, grading_settings

c = get_config()  # noqa: F821 (nbgrader provides it)
c.CourseDirectory.source_directory = SOURCE
c.CourseDirectory.release_directory = RELEASE
grading_settings(c, timeout=120)
