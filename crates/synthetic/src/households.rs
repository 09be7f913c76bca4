//! Approved adopters: who they are, what they are approved for and can consider, and the
//! profile their worker wrote with them.

use crate::GeneratedHousehold;
use crate::calendar::days_before;
use crate::geography::{HOUSEHOLD_REGION_WEIGHTS, pick_area};
use crate::names;
use crate::phrases::{self, fill};
use crate::random::Random;
use kinlink_domain::child::{Contact, Ethnicity, Gender};
use kinlink_domain::household::{Experience, HouseholdDetails, Openness};
use kinlink_domain::profile::{CivilDate, NeedCategory, NeedLevel};

/// Approved within the last two years.
const APPROVED_WITHIN_DAYS: u32 = 730;
const SINGLE_SHARE: f64 = 0.20;
const MIN_WORDS: usize = 150;
const MAX_WORDS: usize = 400;

pub(crate) fn generate(
    count: usize,
    rng: &mut Random,
    extras: &mut Random,
    today: CivilDate,
) -> Vec<GeneratedHousehold> {
    (0..count).map(|_| household(rng, extras, today)).collect()
}

fn household(rng: &mut Random, extras: &mut Random, today: CivilDate) -> GeneratedHousehold {
    let single = rng.chance(SINGLE_SHARE);
    let applicants = applicants(single, rng);
    let approved_days_ago = rng.between(0, APPROVED_WITHIN_DAYS - 1);
    // The profile goes live a few weeks after approval.
    let active_days = approved_days_ago.saturating_sub(rng.between(0, 60));

    let (children_min, children_max) = *rng
        .weighted(&[
            ((1, 1), 40),
            ((1, 2), 45),
            ((2, 2), 5),
            ((1, 3), 6),
            ((2, 3), 4),
        ])
        .unwrap_or(&(1, 2));
    let (age_min_years, age_max_years) = *rng
        .weighted(&[
            ((0, 4), 35),
            ((0, 6), 30),
            ((0, 8), 10),
            ((2, 8), 10),
            ((4, 11), 8),
            ((5, 14), 5),
            ((8, 17), 2),
        ])
        .unwrap_or(&(0, 4));
    let gender = *rng
        .weighted(&[
            (None, 75),
            (Some(Gender::Girl), 14),
            (Some(Gender::Boy), 11),
        ])
        .unwrap_or(&None);

    let needs = openness(rng);
    let contact = Contact {
        letterbox: rng.chance(0.95),
        direct_birth_family: rng.chance(0.4),
        sibling_contact: rng.chance(0.7),
    };
    let ethnicity = *rng
        .weighted(&[
            (Ethnicity::WhiteBritish, 78),
            (Ethnicity::Mixed, 6),
            (Ethnicity::Black, 5),
            (Ethnicity::Asian, 6),
            (Ethnicity::WhiteOther, 4),
            (Ethnicity::Other, 1),
        ])
        .unwrap_or(&Ethnicity::WhiteBritish);
    let voice = Voice::new(single);
    let (identity, languages) = identity(ethnicity, &voice, rng);
    let at_home = at_home(age_max_years, rng);
    let children_at_home = at_home.notes.len() as u8;
    let pets = *rng
        .weighted(&[
            (None, 55),
            (Some(PETS[0]), 15),
            (Some(PETS[1]), 10),
            (Some(PETS[2]), 8),
            (Some(PETS[3]), 6),
            (Some(PETS[4]), 6),
        ])
        .unwrap_or(&None);
    let area = pick_area(rng, &HOUSEHOLD_REGION_WEIGHTS);
    let text = text(&voice, &at_home, pets, rng);
    // From a stream of their own: added after the rest, they leave every other draw (and so
    // every data set made before) as it was.
    let mut experience: Vec<Experience> = Vec::new();
    if children_at_home > 0 {
        experience.push(Experience::Parenting);
    }
    for (kind, chance) in [
        (Experience::Fostering, 0.08),
        (Experience::WorkWithChildren, 0.3),
        (Experience::Disability, 0.07),
    ] {
        if extras.chance(chance) {
            experience.push(kind);
        }
    }
    let carer_at_home = extras.chance(0.35);

    GeneratedHousehold {
        details: HouseholdDetails {
            applicants,
            approved_on: Some(days_before(today, approved_days_ago)),
            children_min,
            children_max,
            age_min_years,
            age_max_years,
            gender,
            needs,
            contact,
            identity,
            heritage: vec![ethnicity],
            experience: Some(experience),
            languages,
            children_at_home,
            children_at_home_notes: at_home.notes.join(" "),
            pets: pets.map_or(String::new(), |(field, _)| field.to_owned()),
            youngest_at_home: at_home.youngest,
            carer_at_home: Some(carer_at_home),
            area: area.to_owned(),
            text,
            consent_to_referral: true,
        },
        active_days,
    }
}

fn applicants(single: bool, rng: &mut Random) -> Vec<String> {
    let first = |rng: &mut Random, women: bool| {
        rng.pick(if women { names::WOMEN } else { names::MEN })
            .copied()
            .unwrap_or("Sam")
    };
    let surname = rng.pick(names::SURNAMES).copied().unwrap_or("Smith");
    let a_woman = rng.chance(0.6);
    let a = format!("{} {surname}", first(rng, a_woman));
    if single {
        return vec![a];
    }
    // Mostly a man and a woman; a quarter are same-sex couples.
    let b_woman = if rng.chance(0.25) { a_woman } else { !a_woman };
    let b_surname = if rng.chance(0.6) {
        surname
    } else {
        rng.pick(names::SURNAMES).copied().unwrap_or("Jones")
    };
    let mut b_first = first(rng, b_woman);
    while a.starts_with(b_first) {
        b_first = first(rng, b_woman);
    }
    vec![a, format!("{b_first} {b_surname}")]
}

fn openness(rng: &mut Random) -> Vec<Openness> {
    use NeedCategory as C;
    let weights: [(C, [u32; 4]); 7] = [
        (C::PhysicalHealth, [10, 45, 35, 10]),
        (C::PhysicalDisability, [45, 35, 12, 8]),
        (C::LearningDisabilityOrDevelopmentalDelay, [20, 45, 28, 7]),
        (C::Fasd, [25, 40, 28, 7]),
        (C::EmotionalAndBehavioural, [5, 35, 45, 15]),
        (C::DevelopmentalUncertainty, [10, 30, 45, 15]),
        (C::TraumaHistory, [2, 20, 55, 23]),
    ];
    weights
        .into_iter()
        .filter_map(|(category, w)| {
            let table: Vec<(NeedLevel, u32)> = NeedLevel::ALL.into_iter().zip(w).collect();
            let level = rng.weighted(&table).copied().unwrap_or(NeedLevel::None);
            (level != NeedLevel::None).then(|| Openness {
                category,
                level,
                reason: if level >= NeedLevel::Medium {
                    phrases::openness_reason(category, rng.below(4)).to_owned()
                } else {
                    String::new()
                },
            })
        })
        .collect()
}

/// First person, plural or singular.
struct Voice {
    words: [(&'static str, &'static str); 8],
    single: bool,
}

impl Voice {
    fn new(single: bool) -> Voice {
        let words = if single {
            [
                ("We", "I"),
                ("we", "I"),
                ("Our", "My"),
                ("our", "my"),
                ("us", "me"),
                ("are", "am"),
                ("were", "was"),
                ("ourselves", "myself"),
            ]
        } else {
            [
                ("We", "We"),
                ("we", "we"),
                ("Our", "Our"),
                ("our", "our"),
                ("us", "us"),
                ("are", "are"),
                ("were", "were"),
                ("ourselves", "ourselves"),
            ]
        };
        Voice { words, single }
    }

    fn fill(&self, template: &str, extra: &[(&str, &str)]) -> String {
        let mut values: Vec<(&str, &str)> = self.words.to_vec();
        values.extend_from_slice(extra);
        fill(template, &values)
    }
}

fn identity(ethnicity: Ethnicity, voice: &Voice, rng: &mut Random) -> (String, Vec<String>) {
    let (template, second_language): (&str, Option<&str>) = match ethnicity {
        Ethnicity::WhiteBritish => (
            *rng.pick(&[
                "{We} {are} White British. {Our} friends and wider family include people of Black Caribbean, South Asian and Polish heritage, and {we} would help a child stay connected to their culture and community.",
                "{We} {are} White British and live in a diverse area. {We} have been learning about identity and racism, and {we} would seek out role models and communities for a child of a different heritage.",
                "{We} {are} White British with no religion, and {we} would support a child to explore their own faith and heritage.",
            ])
            .unwrap_or(&""),
            None,
        ),
        Ethnicity::Mixed => (
            "{Our} household is of mixed White British and Black Caribbean heritage, and {we} understand from experience what it means to grow up with more than one culture.",
            None,
        ),
        Ethnicity::Black => (
            "{We} {are} Black British with Nigerian roots; church and a wide circle of family friends are a big part of {our} life, and {we} speak some Yoruba at home.",
            Some("Yoruba"),
        ),
        Ethnicity::Asian => (
            "{We} {are} British Pakistani and Muslim, and {we} speak Urdu and English at home. Food, festivals and family gatherings are at the heart of {our} life.",
            Some("Urdu"),
        ),
        Ethnicity::WhiteOther => (
            "{We} {are} Polish and British, and {we} speak Polish and English at home; {we} would love to share both cultures with a child.",
            Some("Polish"),
        ),
        Ethnicity::Other => (
            "{Our} family is British Arab, and {we} speak Arabic and English at home. {We} celebrate both Eid and Christmas with friends.",
            Some("Arabic"),
        ),
    };
    let mut languages = vec!["English".to_owned()];
    languages.extend(second_language.map(str::to_owned));
    if rng.chance(0.04) {
        languages.push("British Sign Language".to_owned());
    }
    (voice.fill(template, &[]), languages)
}

const AGES: [(u8, &str); 14] = [
    (3, "three"),
    (4, "four"),
    (5, "five"),
    (6, "six"),
    (7, "seven"),
    (8, "eight"),
    (9, "nine"),
    (10, "ten"),
    (11, "eleven"),
    (12, "twelve"),
    (13, "thirteen"),
    (14, "fourteen"),
    (15, "fifteen"),
    (16, "sixteen"),
];

/// The children already at home: notes for the form and a sentence for the profile.
struct AtHome {
    notes: Vec<String>,
    sentence: Option<String>,
    youngest: Option<u8>,
}

/// Mostly none; otherwise one or two, older than the children the family is approved for (so
/// that a child placed would be the youngest, as most agencies advise).
fn at_home(approved_up_to: u8, rng: &mut Random) -> AtHome {
    let count = *rng.weighted(&[(0usize, 80), (1, 15), (2, 5)]).unwrap_or(&0);
    let older: Vec<(u8, &str)> = AGES
        .iter()
        .copied()
        .filter(|(age, _)| *age > approved_up_to)
        .collect();
    if count == 0 || older.is_empty() {
        return AtHome {
            notes: Vec::new(),
            sentence: None,
            youngest: None,
        };
    }
    let mut children: Vec<(u8, &str, &str)> = (0..count)
        .map(|_| {
            let (age, words) = rng.pick(&older).copied().unwrap_or((16, "sixteen"));
            let child = if rng.chance(0.5) { "daughter" } else { "son" };
            (age, words, child)
        })
        .collect();
    children.sort_by_key(|(age, _, _)| std::cmp::Reverse(*age));
    let kind = if rng.chance(0.7) { "birth" } else { "adopted" };
    let article = if kind == "adopted" { "An" } else { "A" };
    let notes = children
        .iter()
        .map(|(_, words, child)| format!("{article} {kind} {child} aged {words}."))
        .collect();
    let sentence = match children.as_slice() {
        [(_, words, child)] => format!(
            "{{Our}} {kind} {child}, who is {words}, is looking forward to being a big {}.",
            if *child == "son" { "brother" } else { "sister" }
        ),
        _ => {
            let ages: Vec<&str> = children.iter().map(|(_, w, _)| *w).collect();
            format!(
                "{{Our}} two children, aged {}, are excited about having a new brother or sister.",
                ages.join(" and ")
            )
        }
    };
    AtHome {
        notes,
        sentence: Some(sentence),
        youngest: children.iter().map(|(age, _, _)| *age).min(),
    }
}

/// Pets: what the form says, and a sentence for the profile.
const PETS: [(&str, &str); 5] = [
    (
        "A friendly dog",
        "{Our} dog is gentle, calm and used to visiting children.",
    ),
    (
        "Two cats",
        "{Our} two cats are relaxed and used to a busy house.",
    ),
    (
        "A dog and a cat",
        "{Our} dog and cat get on well and are used to visiting children.",
    ),
    (
        "A rabbit",
        "{Our} rabbit lives in the garden and loves being fed carrots.",
    ),
    (
        "Chickens and a cat",
        "{We} keep chickens, and collecting the eggs would be a lovely job for a child.",
    ),
];

fn text(voice: &Voice, at_home: &AtHome, pets: Option<(&str, &str)>, rng: &mut Random) -> String {
    let pick = |rng: &mut Random, bank: &[&'static str]| rng.pick(bank).copied().unwrap_or("");
    let job = pick(rng, phrases::JOBS);
    let mut job2 = pick(rng, phrases::JOBS);
    while job2 == job {
        job2 = pick(rng, phrases::JOBS);
    }
    let f = |t: &str| voice.fill(t, &[("job", job), ("job2", job2)]);

    let mut about = Vec::new();
    about.push(f(pick(
        rng,
        if voice.single {
            phrases::HOUSEHOLD_SINGLE_INTROS
        } else {
            phrases::HOUSEHOLD_COUPLE_INTROS
        },
    )));
    about.push(f(pick(rng, phrases::HOUSEHOLD_HOMES)));
    about.push(f(pick(
        rng,
        if voice.single {
            phrases::HOUSEHOLD_WORK_SINGLE
        } else {
            phrases::HOUSEHOLD_WORK_COUPLE
        },
    )));
    about.extend(at_home.sentence.iter().map(|sentence| f(sentence)));
    if let Some((_, sentence)) = pets {
        about.push(f(sentence));
    }

    let mut hobbies: Vec<&str> = phrases::HOUSEHOLD_HOBBIES.to_vec();
    rng.shuffle(&mut hobbies);
    let mut life = vec![f(pick(rng, phrases::HOUSEHOLD_SUPPORT))];
    life.extend(hobbies.iter().take(1 + rng.below(2)).map(|t| f(t)));
    if rng.chance(0.5) {
        life.push(f(pick(rng, phrases::HOUSEHOLD_COMMUNITY)));
    }
    if rng.chance(0.5) {
        life.push(f(pick(rng, phrases::HOUSEHOLD_DAYS)));
    }

    let mut parenting: Vec<&str> = phrases::HOUSEHOLD_PARENTING.to_vec();
    rng.shuffle(&mut parenting);
    let mut adoption = vec![
        f(pick(rng, phrases::HOUSEHOLD_WHY)),
        f(pick(rng, phrases::HOUSEHOLD_PREPARATION)),
    ];
    adoption.extend(parenting.iter().take(2).map(|t| f(t)));
    adoption.push(f(pick(rng, phrases::HOUSEHOLD_CLOSINGS)));

    let count = |ps: &[&Vec<String>]| -> usize {
        ps.iter()
            .flat_map(|p| p.iter())
            .map(|s| s.split_whitespace().count())
            .sum()
    };
    // Longer profiles say more about family life.
    let mut extra_hobbies = hobbies.iter().skip(3);
    let mut extra_parenting = parenting.iter().skip(2);
    while count(&[&about, &life, &adoption]) < MIN_WORDS {
        if let Some(t) = extra_hobbies.next() {
            life.push(f(t));
        } else if let Some(t) = extra_parenting.next() {
            adoption.insert(adoption.len().saturating_sub(1), f(t));
        } else {
            break;
        }
    }
    while count(&[&about, &life, &adoption]) > MAX_WORDS && life.len() > 1 {
        life.pop();
    }
    [about, life, adoption]
        .into_iter()
        .map(|p| p.join(" "))
        .collect::<Vec<_>>()
        .join("\n\n")
}
