//! Kinlink's domain: the pure types and rules every other layer builds on — roles, the access
//! policy, account rules, the audit chain's hashing and second-factor codes.
//!
//! Nothing here does I/O, async or SQL: a rule lives here so that it is decided once and can be
//! tested as a table, never re-checked ad hoc in a handler.

pub mod account;
pub mod audit;
pub mod calendar;
pub mod child;
pub mod clock;
pub mod codes;
pub mod confidentiality;
pub mod event;
pub mod household;
pub mod invitation;
pub mod link;
pub mod places;
pub mod policy;
pub mod profile;
pub mod records_request;
pub mod role;
pub mod secret;
pub mod totp;

pub use clock::{Clock, SystemClock, Timestamp};
pub use role::{AgencyKind, Role};
