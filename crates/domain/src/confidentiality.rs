//! The confidentiality scanner (being written).
