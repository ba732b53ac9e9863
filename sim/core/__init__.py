"""The model itself: moves, measures, scenario types, payoffs, rules, agents, metrics, the model.

Nothing here imports Hydra or matplotlib, writes files or prints: the layers above turn
configs into these objects and write what they return.
"""
