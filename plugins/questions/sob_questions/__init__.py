"""sob-questions: the standard question types of sob.

Each module is its own plugin (an entry point in the group ``sob``), so a region can block one
family without losing the others: ``choice`` (single choice, multiple choice, dropdown),
``information`` (a text between questions that asks nothing), ``boolean`` (yes/no),
``numeric`` (number, slider, scale), ``text`` (short and long text) and ``temporal`` (date, time
of day, duration). ``_repeats`` lets the non-choice types take several answers (``repeats``).
"""
