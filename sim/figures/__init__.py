"""Figures: `make_*_data` functions that compute, `plot_*` functions that only draw."""
