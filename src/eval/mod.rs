//! Evaluation (native): the digit protocols ([`digits`]), the Caltech photo protocol
//! ([`caltech`]), their charts ([`plot`]), and the generated blocks they write into the docs
//! ([`docs`]).

pub mod caltech;
pub mod digits;
pub mod docs;
pub mod plot;
