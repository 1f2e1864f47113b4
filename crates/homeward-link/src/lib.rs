//! Record linkage engine (being written, issue 4).
