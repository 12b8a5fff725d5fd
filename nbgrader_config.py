# nbgrader settings for instructors who call `nbgrader` themselves from this folder.
# `gankit release` and `gankit grade` use the same settings (gankit/grading/course.py) in a
# throwaway course directory, so they never write a gradebook.db or submitted/ folder here.
c = get_config()  # noqa: F821 (nbgrader provides it)

c.CourseDirectory.course_id = "gankit"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "notebooks"
c.Execute.timeout = 120
c.Execute.interrupt_on_timeout = True
c.OverwriteCells.add_missing_cells = True
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "gankit.grading.feedback.OneLineErrors",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
