//! Kinlink's documents (being built).
