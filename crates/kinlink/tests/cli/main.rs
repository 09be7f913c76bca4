//! The `kinlink` binary from the outside: exit codes, the lines an operator reads, and the
//! service it runs, over real processes, real sockets and real databases.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod config;
mod migrate;
mod postgres;
mod shutdown;
mod support;
mod users;
