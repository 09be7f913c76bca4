//! Local authority areas in England, their regions and their neighbours: where children come
//! from, where families live, and the areas a child's family must not live in (by default the
//! child's own area and the areas next to it).
//!
//! Public geography only. Neighbours are areas that share a boundary, as a family finder would
//! reckon "nearby": a land boundary, or a river with bridges across it (the Thames in London,
//! the Tyne, the Mersey), or a fixed crossing a family would use daily (the Dartford Crossing,
//! the Solent ferries to the Isle of Wight). The table is symmetric (a test proves it). Drawn up
//! from general knowledge of the map, not from a boundary data set: a family finder can always
//! add or remove areas on the child's profile.

/// One local authority area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Area {
    pub name: &'static str,
    pub region: &'static str,
    pub neighbours: &'static [&'static str],
}

/// England's nine regions, in the order forms list them.
pub const REGIONS: [&str; 9] = [
    "North East",
    "North West",
    "Yorkshire and the Humber",
    "East Midlands",
    "West Midlands",
    "East of England",
    "London",
    "South East",
    "South West",
];

/// England's upper-tier local authority areas (those with children's services), grouped by
/// region and alphabetical within it. The City of London and the Isles of Scilly are left out.
/// Cumbria is kept as one area, as the county was until 2023 (now Cumberland, and Westmorland
/// and Furness), because profiles and settings already name it.
pub static AREAS: &[Area] = &[
    // North East
    Area {
        name: "County Durham",
        region: "North East",
        neighbours: &[
            "Cumbria",
            "Darlington",
            "Gateshead",
            "Hartlepool",
            "North Yorkshire",
            "Northumberland",
            "Stockton-on-Tees",
            "Sunderland",
        ],
    },
    Area {
        name: "Darlington",
        region: "North East",
        neighbours: &["County Durham", "North Yorkshire", "Stockton-on-Tees"],
    },
    Area {
        name: "Gateshead",
        region: "North East",
        neighbours: &[
            "County Durham",
            "Newcastle upon Tyne",
            "Northumberland",
            "South Tyneside",
            "Sunderland",
        ],
    },
    Area {
        name: "Hartlepool",
        region: "North East",
        neighbours: &["County Durham", "Stockton-on-Tees"],
    },
    Area {
        name: "Middlesbrough",
        region: "North East",
        neighbours: &[
            "North Yorkshire",
            "Redcar and Cleveland",
            "Stockton-on-Tees",
        ],
    },
    Area {
        name: "Newcastle upon Tyne",
        region: "North East",
        neighbours: &["Gateshead", "North Tyneside", "Northumberland"],
    },
    Area {
        name: "North Tyneside",
        region: "North East",
        neighbours: &["Newcastle upon Tyne", "Northumberland", "South Tyneside"],
    },
    Area {
        name: "Northumberland",
        region: "North East",
        neighbours: &[
            "County Durham",
            "Cumbria",
            "Gateshead",
            "Newcastle upon Tyne",
            "North Tyneside",
        ],
    },
    Area {
        name: "Redcar and Cleveland",
        region: "North East",
        neighbours: &["Middlesbrough", "North Yorkshire", "Stockton-on-Tees"],
    },
    Area {
        name: "South Tyneside",
        region: "North East",
        neighbours: &["Gateshead", "North Tyneside", "Sunderland"],
    },
    Area {
        name: "Stockton-on-Tees",
        region: "North East",
        neighbours: &[
            "County Durham",
            "Darlington",
            "Hartlepool",
            "Middlesbrough",
            "North Yorkshire",
            "Redcar and Cleveland",
        ],
    },
    Area {
        name: "Sunderland",
        region: "North East",
        neighbours: &["County Durham", "Gateshead", "South Tyneside"],
    },
    // North West
    Area {
        name: "Blackburn with Darwen",
        region: "North West",
        neighbours: &["Bolton", "Lancashire"],
    },
    Area {
        name: "Blackpool",
        region: "North West",
        neighbours: &["Lancashire"],
    },
    Area {
        name: "Bolton",
        region: "North West",
        neighbours: &[
            "Blackburn with Darwen",
            "Bury",
            "Lancashire",
            "Salford",
            "Wigan",
        ],
    },
    Area {
        name: "Bury",
        region: "North West",
        neighbours: &["Bolton", "Lancashire", "Manchester", "Rochdale", "Salford"],
    },
    Area {
        name: "Cheshire East",
        region: "North West",
        neighbours: &[
            "Cheshire West and Chester",
            "Derbyshire",
            "Manchester",
            "Shropshire",
            "Staffordshire",
            "Stockport",
            "Trafford",
            "Warrington",
        ],
    },
    Area {
        name: "Cheshire West and Chester",
        region: "North West",
        neighbours: &[
            "Cheshire East",
            "Halton",
            "Shropshire",
            "Warrington",
            "Wirral",
        ],
    },
    Area {
        name: "Cumbria",
        region: "North West",
        neighbours: &[
            "County Durham",
            "Lancashire",
            "North Yorkshire",
            "Northumberland",
        ],
    },
    Area {
        name: "Halton",
        region: "North West",
        neighbours: &[
            "Cheshire West and Chester",
            "Knowsley",
            "Liverpool",
            "St Helens",
            "Warrington",
        ],
    },
    Area {
        name: "Knowsley",
        region: "North West",
        neighbours: &["Halton", "Lancashire", "Liverpool", "Sefton", "St Helens"],
    },
    Area {
        name: "Lancashire",
        region: "North West",
        neighbours: &[
            "Blackburn with Darwen",
            "Blackpool",
            "Bolton",
            "Bradford",
            "Bury",
            "Calderdale",
            "Cumbria",
            "Knowsley",
            "North Yorkshire",
            "Rochdale",
            "Sefton",
            "St Helens",
            "Wigan",
        ],
    },
    Area {
        name: "Liverpool",
        region: "North West",
        neighbours: &["Halton", "Knowsley", "Sefton", "Wirral"],
    },
    Area {
        name: "Manchester",
        region: "North West",
        neighbours: &[
            "Bury",
            "Cheshire East",
            "Oldham",
            "Rochdale",
            "Salford",
            "Stockport",
            "Tameside",
            "Trafford",
        ],
    },
    Area {
        name: "Oldham",
        region: "North West",
        neighbours: &[
            "Calderdale",
            "Kirklees",
            "Manchester",
            "Rochdale",
            "Tameside",
        ],
    },
    Area {
        name: "Rochdale",
        region: "North West",
        neighbours: &["Bury", "Calderdale", "Lancashire", "Manchester", "Oldham"],
    },
    Area {
        name: "Salford",
        region: "North West",
        neighbours: &[
            "Bolton",
            "Bury",
            "Manchester",
            "Trafford",
            "Warrington",
            "Wigan",
        ],
    },
    Area {
        name: "Sefton",
        region: "North West",
        neighbours: &["Knowsley", "Lancashire", "Liverpool"],
    },
    Area {
        name: "St Helens",
        region: "North West",
        neighbours: &["Halton", "Knowsley", "Lancashire", "Warrington", "Wigan"],
    },
    Area {
        name: "Stockport",
        region: "North West",
        neighbours: &["Cheshire East", "Derbyshire", "Manchester", "Tameside"],
    },
    Area {
        name: "Tameside",
        region: "North West",
        neighbours: &["Derbyshire", "Manchester", "Oldham", "Stockport"],
    },
    Area {
        name: "Trafford",
        region: "North West",
        neighbours: &["Cheshire East", "Manchester", "Salford", "Warrington"],
    },
    Area {
        name: "Warrington",
        region: "North West",
        neighbours: &[
            "Cheshire East",
            "Cheshire West and Chester",
            "Halton",
            "Salford",
            "St Helens",
            "Trafford",
            "Wigan",
        ],
    },
    Area {
        name: "Wigan",
        region: "North West",
        neighbours: &["Bolton", "Lancashire", "Salford", "St Helens", "Warrington"],
    },
    Area {
        name: "Wirral",
        region: "North West",
        neighbours: &["Cheshire West and Chester", "Liverpool"],
    },
    // Yorkshire and the Humber
    Area {
        name: "Barnsley",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Derbyshire",
            "Doncaster",
            "Kirklees",
            "Rotherham",
            "Sheffield",
            "Wakefield",
        ],
    },
    Area {
        name: "Bradford",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Calderdale",
            "Kirklees",
            "Lancashire",
            "Leeds",
            "North Yorkshire",
        ],
    },
    Area {
        name: "Calderdale",
        region: "Yorkshire and the Humber",
        neighbours: &["Bradford", "Kirklees", "Lancashire", "Oldham", "Rochdale"],
    },
    Area {
        name: "Doncaster",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Barnsley",
            "East Riding of Yorkshire",
            "North Lincolnshire",
            "North Yorkshire",
            "Nottinghamshire",
            "Rotherham",
            "Wakefield",
        ],
    },
    Area {
        name: "East Riding of Yorkshire",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Doncaster",
            "Kingston upon Hull",
            "North Lincolnshire",
            "North Yorkshire",
            "York",
        ],
    },
    Area {
        name: "Kingston upon Hull",
        region: "Yorkshire and the Humber",
        neighbours: &["East Riding of Yorkshire"],
    },
    Area {
        name: "Kirklees",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Barnsley",
            "Bradford",
            "Calderdale",
            "Derbyshire",
            "Leeds",
            "Oldham",
            "Wakefield",
        ],
    },
    Area {
        name: "Leeds",
        region: "Yorkshire and the Humber",
        neighbours: &["Bradford", "Kirklees", "North Yorkshire", "Wakefield"],
    },
    Area {
        name: "North East Lincolnshire",
        region: "Yorkshire and the Humber",
        neighbours: &["Lincolnshire", "North Lincolnshire"],
    },
    Area {
        name: "North Lincolnshire",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Doncaster",
            "East Riding of Yorkshire",
            "Lincolnshire",
            "North East Lincolnshire",
            "Nottinghamshire",
        ],
    },
    Area {
        name: "North Yorkshire",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Bradford",
            "County Durham",
            "Cumbria",
            "Darlington",
            "Doncaster",
            "East Riding of Yorkshire",
            "Lancashire",
            "Leeds",
            "Middlesbrough",
            "Redcar and Cleveland",
            "Stockton-on-Tees",
            "Wakefield",
            "York",
        ],
    },
    Area {
        name: "Rotherham",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Barnsley",
            "Derbyshire",
            "Doncaster",
            "Nottinghamshire",
            "Sheffield",
        ],
    },
    Area {
        name: "Sheffield",
        region: "Yorkshire and the Humber",
        neighbours: &["Barnsley", "Derbyshire", "Rotherham"],
    },
    Area {
        name: "Wakefield",
        region: "Yorkshire and the Humber",
        neighbours: &[
            "Barnsley",
            "Doncaster",
            "Kirklees",
            "Leeds",
            "North Yorkshire",
        ],
    },
    Area {
        name: "York",
        region: "Yorkshire and the Humber",
        neighbours: &["East Riding of Yorkshire", "North Yorkshire"],
    },
    // East Midlands
    Area {
        name: "Derby",
        region: "East Midlands",
        neighbours: &["Derbyshire"],
    },
    Area {
        name: "Derbyshire",
        region: "East Midlands",
        neighbours: &[
            "Barnsley",
            "Cheshire East",
            "Derby",
            "Kirklees",
            "Leicestershire",
            "Nottinghamshire",
            "Rotherham",
            "Sheffield",
            "Staffordshire",
            "Stockport",
            "Tameside",
        ],
    },
    Area {
        name: "Leicester",
        region: "East Midlands",
        neighbours: &["Leicestershire"],
    },
    Area {
        name: "Leicestershire",
        region: "East Midlands",
        neighbours: &[
            "Derbyshire",
            "Leicester",
            "Lincolnshire",
            "North Northamptonshire",
            "Nottinghamshire",
            "Rutland",
            "Staffordshire",
            "Warwickshire",
            "West Northamptonshire",
        ],
    },
    Area {
        name: "Lincolnshire",
        region: "East Midlands",
        neighbours: &[
            "Cambridgeshire",
            "Leicestershire",
            "Norfolk",
            "North East Lincolnshire",
            "North Lincolnshire",
            "North Northamptonshire",
            "Nottinghamshire",
            "Peterborough",
            "Rutland",
        ],
    },
    Area {
        name: "North Northamptonshire",
        region: "East Midlands",
        neighbours: &[
            "Bedford",
            "Cambridgeshire",
            "Leicestershire",
            "Lincolnshire",
            "Peterborough",
            "Rutland",
            "West Northamptonshire",
        ],
    },
    Area {
        name: "Nottingham",
        region: "East Midlands",
        neighbours: &["Nottinghamshire"],
    },
    Area {
        name: "Nottinghamshire",
        region: "East Midlands",
        neighbours: &[
            "Derbyshire",
            "Doncaster",
            "Leicestershire",
            "Lincolnshire",
            "North Lincolnshire",
            "Nottingham",
            "Rotherham",
        ],
    },
    Area {
        name: "Rutland",
        region: "East Midlands",
        neighbours: &["Leicestershire", "Lincolnshire", "North Northamptonshire"],
    },
    Area {
        name: "West Northamptonshire",
        region: "East Midlands",
        neighbours: &[
            "Buckinghamshire",
            "Leicestershire",
            "Milton Keynes",
            "North Northamptonshire",
            "Oxfordshire",
            "Warwickshire",
        ],
    },
    // West Midlands
    Area {
        name: "Birmingham",
        region: "West Midlands",
        neighbours: &[
            "Dudley",
            "Sandwell",
            "Solihull",
            "Staffordshire",
            "Walsall",
            "Warwickshire",
            "Worcestershire",
        ],
    },
    Area {
        name: "Coventry",
        region: "West Midlands",
        neighbours: &["Solihull", "Warwickshire"],
    },
    Area {
        name: "Dudley",
        region: "West Midlands",
        neighbours: &[
            "Birmingham",
            "Sandwell",
            "Staffordshire",
            "Wolverhampton",
            "Worcestershire",
        ],
    },
    Area {
        name: "Herefordshire",
        region: "West Midlands",
        neighbours: &["Gloucestershire", "Shropshire", "Worcestershire"],
    },
    Area {
        name: "Sandwell",
        region: "West Midlands",
        neighbours: &["Birmingham", "Dudley", "Walsall", "Wolverhampton"],
    },
    Area {
        name: "Shropshire",
        region: "West Midlands",
        neighbours: &[
            "Cheshire East",
            "Cheshire West and Chester",
            "Herefordshire",
            "Staffordshire",
            "Telford and Wrekin",
            "Worcestershire",
        ],
    },
    Area {
        name: "Solihull",
        region: "West Midlands",
        neighbours: &["Birmingham", "Coventry", "Warwickshire", "Worcestershire"],
    },
    Area {
        name: "Staffordshire",
        region: "West Midlands",
        neighbours: &[
            "Birmingham",
            "Cheshire East",
            "Derbyshire",
            "Dudley",
            "Leicestershire",
            "Shropshire",
            "Stoke-on-Trent",
            "Telford and Wrekin",
            "Walsall",
            "Warwickshire",
            "Wolverhampton",
            "Worcestershire",
        ],
    },
    Area {
        name: "Stoke-on-Trent",
        region: "West Midlands",
        neighbours: &["Staffordshire"],
    },
    Area {
        name: "Telford and Wrekin",
        region: "West Midlands",
        neighbours: &["Shropshire", "Staffordshire"],
    },
    Area {
        name: "Walsall",
        region: "West Midlands",
        neighbours: &["Birmingham", "Sandwell", "Staffordshire", "Wolverhampton"],
    },
    Area {
        name: "Warwickshire",
        region: "West Midlands",
        neighbours: &[
            "Birmingham",
            "Coventry",
            "Gloucestershire",
            "Leicestershire",
            "Oxfordshire",
            "Solihull",
            "Staffordshire",
            "West Northamptonshire",
            "Worcestershire",
        ],
    },
    Area {
        name: "Wolverhampton",
        region: "West Midlands",
        neighbours: &["Dudley", "Sandwell", "Staffordshire", "Walsall"],
    },
    Area {
        name: "Worcestershire",
        region: "West Midlands",
        neighbours: &[
            "Birmingham",
            "Dudley",
            "Gloucestershire",
            "Herefordshire",
            "Shropshire",
            "Solihull",
            "Staffordshire",
            "Warwickshire",
        ],
    },
    // East of England
    Area {
        name: "Bedford",
        region: "East of England",
        neighbours: &[
            "Cambridgeshire",
            "Central Bedfordshire",
            "Milton Keynes",
            "North Northamptonshire",
        ],
    },
    Area {
        name: "Cambridgeshire",
        region: "East of England",
        neighbours: &[
            "Bedford",
            "Central Bedfordshire",
            "Essex",
            "Hertfordshire",
            "Lincolnshire",
            "Norfolk",
            "North Northamptonshire",
            "Peterborough",
            "Suffolk",
        ],
    },
    Area {
        name: "Central Bedfordshire",
        region: "East of England",
        neighbours: &[
            "Bedford",
            "Buckinghamshire",
            "Cambridgeshire",
            "Hertfordshire",
            "Luton",
            "Milton Keynes",
        ],
    },
    Area {
        name: "Essex",
        region: "East of England",
        neighbours: &[
            "Cambridgeshire",
            "Enfield",
            "Havering",
            "Hertfordshire",
            "Redbridge",
            "Southend-on-Sea",
            "Suffolk",
            "Thurrock",
            "Waltham Forest",
        ],
    },
    Area {
        name: "Hertfordshire",
        region: "East of England",
        neighbours: &[
            "Barnet",
            "Buckinghamshire",
            "Cambridgeshire",
            "Central Bedfordshire",
            "Enfield",
            "Essex",
            "Harrow",
            "Hillingdon",
            "Luton",
        ],
    },
    Area {
        name: "Luton",
        region: "East of England",
        neighbours: &["Central Bedfordshire", "Hertfordshire"],
    },
    Area {
        name: "Norfolk",
        region: "East of England",
        neighbours: &["Cambridgeshire", "Lincolnshire", "Suffolk"],
    },
    Area {
        name: "Peterborough",
        region: "East of England",
        neighbours: &["Cambridgeshire", "Lincolnshire", "North Northamptonshire"],
    },
    Area {
        name: "Southend-on-Sea",
        region: "East of England",
        neighbours: &["Essex"],
    },
    Area {
        name: "Suffolk",
        region: "East of England",
        neighbours: &["Cambridgeshire", "Essex", "Norfolk"],
    },
    Area {
        name: "Thurrock",
        region: "East of England",
        neighbours: &["Essex", "Havering", "Kent"],
    },
    // London
    Area {
        name: "Barking and Dagenham",
        region: "London",
        neighbours: &["Bexley", "Greenwich", "Havering", "Newham", "Redbridge"],
    },
    Area {
        name: "Barnet",
        region: "London",
        neighbours: &[
            "Brent",
            "Camden",
            "Enfield",
            "Haringey",
            "Harrow",
            "Hertfordshire",
        ],
    },
    Area {
        name: "Bexley",
        region: "London",
        neighbours: &[
            "Barking and Dagenham",
            "Bromley",
            "Greenwich",
            "Havering",
            "Kent",
        ],
    },
    Area {
        name: "Brent",
        region: "London",
        neighbours: &[
            "Barnet",
            "Camden",
            "Ealing",
            "Hammersmith and Fulham",
            "Harrow",
            "Kensington and Chelsea",
            "Westminster",
        ],
    },
    Area {
        name: "Bromley",
        region: "London",
        neighbours: &[
            "Bexley",
            "Croydon",
            "Greenwich",
            "Kent",
            "Lambeth",
            "Lewisham",
            "Southwark",
            "Surrey",
        ],
    },
    Area {
        name: "Camden",
        region: "London",
        neighbours: &["Barnet", "Brent", "Haringey", "Islington", "Westminster"],
    },
    Area {
        name: "Croydon",
        region: "London",
        neighbours: &["Bromley", "Lambeth", "Merton", "Surrey", "Sutton"],
    },
    Area {
        name: "Ealing",
        region: "London",
        neighbours: &[
            "Brent",
            "Hammersmith and Fulham",
            "Harrow",
            "Hillingdon",
            "Hounslow",
        ],
    },
    Area {
        name: "Enfield",
        region: "London",
        neighbours: &[
            "Barnet",
            "Essex",
            "Haringey",
            "Hertfordshire",
            "Waltham Forest",
        ],
    },
    Area {
        name: "Greenwich",
        region: "London",
        neighbours: &[
            "Barking and Dagenham",
            "Bexley",
            "Bromley",
            "Lewisham",
            "Newham",
            "Tower Hamlets",
        ],
    },
    Area {
        name: "Hackney",
        region: "London",
        neighbours: &[
            "Haringey",
            "Islington",
            "Newham",
            "Tower Hamlets",
            "Waltham Forest",
        ],
    },
    Area {
        name: "Hammersmith and Fulham",
        region: "London",
        neighbours: &[
            "Brent",
            "Ealing",
            "Hounslow",
            "Kensington and Chelsea",
            "Richmond upon Thames",
            "Wandsworth",
        ],
    },
    Area {
        name: "Haringey",
        region: "London",
        neighbours: &[
            "Barnet",
            "Camden",
            "Enfield",
            "Hackney",
            "Islington",
            "Waltham Forest",
        ],
    },
    Area {
        name: "Harrow",
        region: "London",
        neighbours: &["Barnet", "Brent", "Ealing", "Hertfordshire", "Hillingdon"],
    },
    Area {
        name: "Havering",
        region: "London",
        neighbours: &[
            "Barking and Dagenham",
            "Bexley",
            "Essex",
            "Redbridge",
            "Thurrock",
        ],
    },
    Area {
        name: "Hillingdon",
        region: "London",
        neighbours: &[
            "Buckinghamshire",
            "Ealing",
            "Harrow",
            "Hertfordshire",
            "Hounslow",
            "Slough",
            "Surrey",
        ],
    },
    Area {
        name: "Hounslow",
        region: "London",
        neighbours: &[
            "Ealing",
            "Hammersmith and Fulham",
            "Hillingdon",
            "Richmond upon Thames",
            "Surrey",
        ],
    },
    Area {
        name: "Islington",
        region: "London",
        neighbours: &["Camden", "Hackney", "Haringey"],
    },
    Area {
        name: "Kensington and Chelsea",
        region: "London",
        neighbours: &[
            "Brent",
            "Hammersmith and Fulham",
            "Wandsworth",
            "Westminster",
        ],
    },
    Area {
        name: "Kingston upon Thames",
        region: "London",
        neighbours: &[
            "Merton",
            "Richmond upon Thames",
            "Surrey",
            "Sutton",
            "Wandsworth",
        ],
    },
    Area {
        name: "Lambeth",
        region: "London",
        neighbours: &[
            "Bromley",
            "Croydon",
            "Merton",
            "Southwark",
            "Wandsworth",
            "Westminster",
        ],
    },
    Area {
        name: "Lewisham",
        region: "London",
        neighbours: &["Bromley", "Greenwich", "Southwark", "Tower Hamlets"],
    },
    Area {
        name: "Merton",
        region: "London",
        neighbours: &[
            "Croydon",
            "Kingston upon Thames",
            "Lambeth",
            "Sutton",
            "Wandsworth",
        ],
    },
    Area {
        name: "Newham",
        region: "London",
        neighbours: &[
            "Barking and Dagenham",
            "Greenwich",
            "Hackney",
            "Redbridge",
            "Tower Hamlets",
            "Waltham Forest",
        ],
    },
    Area {
        name: "Redbridge",
        region: "London",
        neighbours: &[
            "Barking and Dagenham",
            "Essex",
            "Havering",
            "Newham",
            "Waltham Forest",
        ],
    },
    Area {
        name: "Richmond upon Thames",
        region: "London",
        neighbours: &[
            "Hammersmith and Fulham",
            "Hounslow",
            "Kingston upon Thames",
            "Surrey",
            "Wandsworth",
        ],
    },
    Area {
        name: "Southwark",
        region: "London",
        neighbours: &["Bromley", "Lambeth", "Lewisham", "Tower Hamlets"],
    },
    Area {
        name: "Sutton",
        region: "London",
        neighbours: &["Croydon", "Kingston upon Thames", "Merton", "Surrey"],
    },
    Area {
        name: "Tower Hamlets",
        region: "London",
        neighbours: &["Greenwich", "Hackney", "Lewisham", "Newham", "Southwark"],
    },
    Area {
        name: "Waltham Forest",
        region: "London",
        neighbours: &[
            "Enfield",
            "Essex",
            "Hackney",
            "Haringey",
            "Newham",
            "Redbridge",
        ],
    },
    Area {
        name: "Wandsworth",
        region: "London",
        neighbours: &[
            "Hammersmith and Fulham",
            "Kensington and Chelsea",
            "Kingston upon Thames",
            "Lambeth",
            "Merton",
            "Richmond upon Thames",
            "Westminster",
        ],
    },
    Area {
        name: "Westminster",
        region: "London",
        neighbours: &[
            "Brent",
            "Camden",
            "Kensington and Chelsea",
            "Lambeth",
            "Wandsworth",
        ],
    },
    // South East
    Area {
        name: "Bracknell Forest",
        region: "South East",
        neighbours: &["Hampshire", "Surrey", "Windsor and Maidenhead", "Wokingham"],
    },
    Area {
        name: "Brighton and Hove",
        region: "South East",
        neighbours: &["East Sussex", "West Sussex"],
    },
    Area {
        name: "Buckinghamshire",
        region: "South East",
        neighbours: &[
            "Central Bedfordshire",
            "Hertfordshire",
            "Hillingdon",
            "Milton Keynes",
            "Oxfordshire",
            "Slough",
            "West Northamptonshire",
            "Windsor and Maidenhead",
        ],
    },
    Area {
        name: "East Sussex",
        region: "South East",
        neighbours: &["Brighton and Hove", "Kent", "Surrey", "West Sussex"],
    },
    Area {
        name: "Hampshire",
        region: "South East",
        neighbours: &[
            "Bournemouth, Christchurch and Poole",
            "Bracknell Forest",
            "Dorset",
            "Isle of Wight",
            "Portsmouth",
            "Southampton",
            "Surrey",
            "West Berkshire",
            "West Sussex",
            "Wiltshire",
            "Wokingham",
        ],
    },
    Area {
        name: "Isle of Wight",
        region: "South East",
        neighbours: &["Hampshire", "Portsmouth", "Southampton"],
    },
    Area {
        name: "Kent",
        region: "South East",
        neighbours: &[
            "Bexley",
            "Bromley",
            "East Sussex",
            "Medway",
            "Surrey",
            "Thurrock",
        ],
    },
    Area {
        name: "Medway",
        region: "South East",
        neighbours: &["Kent"],
    },
    Area {
        name: "Milton Keynes",
        region: "South East",
        neighbours: &[
            "Bedford",
            "Buckinghamshire",
            "Central Bedfordshire",
            "West Northamptonshire",
        ],
    },
    Area {
        name: "Oxfordshire",
        region: "South East",
        neighbours: &[
            "Buckinghamshire",
            "Gloucestershire",
            "Reading",
            "Swindon",
            "Warwickshire",
            "West Berkshire",
            "West Northamptonshire",
            "Wokingham",
        ],
    },
    Area {
        name: "Portsmouth",
        region: "South East",
        neighbours: &["Hampshire", "Isle of Wight"],
    },
    Area {
        name: "Reading",
        region: "South East",
        neighbours: &["Oxfordshire", "West Berkshire", "Wokingham"],
    },
    Area {
        name: "Slough",
        region: "South East",
        neighbours: &[
            "Buckinghamshire",
            "Hillingdon",
            "Surrey",
            "Windsor and Maidenhead",
        ],
    },
    Area {
        name: "Southampton",
        region: "South East",
        neighbours: &["Hampshire", "Isle of Wight"],
    },
    Area {
        name: "Surrey",
        region: "South East",
        neighbours: &[
            "Bracknell Forest",
            "Bromley",
            "Croydon",
            "East Sussex",
            "Hampshire",
            "Hillingdon",
            "Hounslow",
            "Kent",
            "Kingston upon Thames",
            "Richmond upon Thames",
            "Slough",
            "Sutton",
            "West Sussex",
            "Windsor and Maidenhead",
        ],
    },
    Area {
        name: "West Berkshire",
        region: "South East",
        neighbours: &[
            "Hampshire",
            "Oxfordshire",
            "Reading",
            "Wiltshire",
            "Wokingham",
        ],
    },
    Area {
        name: "West Sussex",
        region: "South East",
        neighbours: &["Brighton and Hove", "East Sussex", "Hampshire", "Surrey"],
    },
    Area {
        name: "Windsor and Maidenhead",
        region: "South East",
        neighbours: &[
            "Bracknell Forest",
            "Buckinghamshire",
            "Slough",
            "Surrey",
            "Wokingham",
        ],
    },
    Area {
        name: "Wokingham",
        region: "South East",
        neighbours: &[
            "Bracknell Forest",
            "Hampshire",
            "Oxfordshire",
            "Reading",
            "West Berkshire",
            "Windsor and Maidenhead",
        ],
    },
    // South West
    Area {
        name: "Bath and North East Somerset",
        region: "South West",
        neighbours: &[
            "Bristol",
            "North Somerset",
            "Somerset",
            "South Gloucestershire",
            "Wiltshire",
        ],
    },
    Area {
        name: "Bournemouth, Christchurch and Poole",
        region: "South West",
        neighbours: &["Dorset", "Hampshire"],
    },
    Area {
        name: "Bristol",
        region: "South West",
        neighbours: &[
            "Bath and North East Somerset",
            "North Somerset",
            "South Gloucestershire",
        ],
    },
    Area {
        name: "Cornwall",
        region: "South West",
        neighbours: &["Devon", "Plymouth"],
    },
    Area {
        name: "Devon",
        region: "South West",
        neighbours: &["Cornwall", "Dorset", "Plymouth", "Somerset", "Torbay"],
    },
    Area {
        name: "Dorset",
        region: "South West",
        neighbours: &[
            "Bournemouth, Christchurch and Poole",
            "Devon",
            "Hampshire",
            "Somerset",
            "Wiltshire",
        ],
    },
    Area {
        name: "Gloucestershire",
        region: "South West",
        neighbours: &[
            "Herefordshire",
            "Oxfordshire",
            "South Gloucestershire",
            "Swindon",
            "Warwickshire",
            "Wiltshire",
            "Worcestershire",
        ],
    },
    Area {
        name: "North Somerset",
        region: "South West",
        neighbours: &["Bath and North East Somerset", "Bristol", "Somerset"],
    },
    Area {
        name: "Plymouth",
        region: "South West",
        neighbours: &["Cornwall", "Devon"],
    },
    Area {
        name: "Somerset",
        region: "South West",
        neighbours: &[
            "Bath and North East Somerset",
            "Devon",
            "Dorset",
            "North Somerset",
            "Wiltshire",
        ],
    },
    Area {
        name: "South Gloucestershire",
        region: "South West",
        neighbours: &[
            "Bath and North East Somerset",
            "Bristol",
            "Gloucestershire",
            "Wiltshire",
        ],
    },
    Area {
        name: "Swindon",
        region: "South West",
        neighbours: &["Gloucestershire", "Oxfordshire", "Wiltshire"],
    },
    Area {
        name: "Torbay",
        region: "South West",
        neighbours: &["Devon"],
    },
    Area {
        name: "Wiltshire",
        region: "South West",
        neighbours: &[
            "Bath and North East Somerset",
            "Dorset",
            "Gloucestershire",
            "Hampshire",
            "Somerset",
            "South Gloucestershire",
            "Swindon",
            "West Berkshire",
        ],
    },
];

/// The areas of one region (one of [`REGIONS`]), in the table's order.
pub fn in_region(region: &str) -> impl Iterator<Item = &'static Area> + '_ {
    AREAS.iter().filter(move |a| a.region == region)
}

/// The area of that name (exact, as listed).
pub fn area(name: &str) -> Option<&'static Area> {
    AREAS.iter().find(|a| a.name == name)
}

pub fn is_known(name: &str) -> bool {
    area(name).is_some()
}

/// The default areas a child's family must not live in: the child's own and its neighbours.
pub fn default_exclusions(home: &str) -> Vec<String> {
    match area(home) {
        Some(a) => std::iter::once(a.name)
            .chain(a.neighbours.iter().copied())
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbours_are_known_symmetric_and_regions_are_englands() {
        for a in AREAS {
            assert!(
                REGIONS.contains(&a.region),
                "{} has region {}",
                a.name,
                a.region
            );
            for n in a.neighbours {
                let other =
                    area(n).unwrap_or_else(|| panic!("{}'s neighbour {n} is not listed", a.name));
                assert!(
                    other.neighbours.contains(&a.name),
                    "{n} does not list {} back",
                    a.name
                );
            }
        }
    }

    #[test]
    fn every_region_has_its_areas_and_every_area_has_a_neighbour() {
        let counts: Vec<usize> = REGIONS.iter().map(|r| in_region(r).count()).collect();
        // Children's services authorities per region, as the table draws them.
        assert_eq!(counts, [12, 23, 15, 10, 14, 11, 32, 19, 14]);
        assert_eq!(counts.iter().sum::<usize>(), AREAS.len());
        let mut names: Vec<&str> = AREAS.iter().map(|a| a.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), AREAS.len(), "names are unique");
        for a in AREAS {
            assert!(!a.neighbours.is_empty(), "{} has no neighbours", a.name);
            assert!(
                !a.neighbours.contains(&a.name),
                "{} neighbours itself",
                a.name
            );
        }
    }

    #[test]
    fn default_exclusions_are_the_area_and_its_neighbours() {
        assert_eq!(default_exclusions("Medway"), ["Medway", "Kent"]);
        assert!(default_exclusions("Atlantis").is_empty());
    }
}
