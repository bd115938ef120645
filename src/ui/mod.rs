//! Pure drawing of `&App` with ratatui: reads state, never mutates it, never does I/O.
