//! Kinlink's mail (being built).
