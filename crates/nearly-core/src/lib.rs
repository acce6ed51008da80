//! Nearly's domain types. (Being built.)
