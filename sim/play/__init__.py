"""People play the crisis: the game, the terminal, the classroom rooms and web page."""
