"""Custom actions for the interview-prep assistant, and the plain-Python logic behind them."""
