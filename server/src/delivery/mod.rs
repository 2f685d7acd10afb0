//! Getting messages out of Outflow. `devices` delivers alert notifications to people's
//! devices through pluggable providers; outbound integrations will live beside it.

pub mod devices;
