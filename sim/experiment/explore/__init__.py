"""Exploration: global sensitivity and scenario discovery over the model's hand-set inputs.

`escalation explore` is a Hydra multirun whose jobs are chunks of one design. The input space
(`space`) comes from the schema's range metadata, narrowed by a preset; the design (`design`)
is drawn with SALib; each chunk (`chunk`) evaluates its design points in lockstep, every point
a block of replications with its own parameter values; the callback in
`sim.analysis.exploration` writes the design before any job starts and analyses the outcomes
when the last chunk is done.
"""
