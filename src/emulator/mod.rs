//! NAS emulators: real HTTP servers (axum) over a real directory, used by the tests, the
//! benchmarks, `nascmd emulate …` and `nascmd --demo`. Each takes a listener bound by the
//! caller (tests bind port 0) and a shutdown future, like mini-redis.

pub mod freebox;
pub mod fsroot;
