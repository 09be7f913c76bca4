//! Where generated children come from and families live: a region drawn by weight, then one of
//! its areas from [`places::AREAS`].

use crate::random::Random;
use kinlink_domain::places;

/// Rough shares of children waiting by region (the north and the Midlands have more children
/// in care per head than the south). Order as [`places::REGIONS`].
pub(crate) const CHILD_REGION_WEIGHTS: [u32; 9] = [7, 17, 11, 8, 13, 9, 11, 14, 10];
/// Rough shares of approved adopters by region: closer to population.
pub(crate) const HOUSEHOLD_REGION_WEIGHTS: [u32; 9] = [5, 13, 10, 9, 11, 11, 14, 17, 10];

/// A known area's name.
pub(crate) fn pick_area(rng: &mut Random, weights: &[u32; 9]) -> &'static str {
    let regions: Vec<(&str, u32)> = places::REGIONS.iter().copied().zip(*weights).collect();
    let region = rng.weighted(&regions).copied().unwrap_or("London");
    let areas: Vec<&'static places::Area> = places::in_region(region).collect();
    match rng.pick(&areas) {
        Some(area) => area.name,
        // Unreachable while every region has areas (a domain test proves it).
        None => places::AREAS.first().map_or("Kent", |a| a.name),
    }
}
