//! Children and sibling groups: who they are, what they need, how long they have waited, and
//! the profile their worker wrote.

use crate::GeneratedChildProfile;
use crate::calendar::days_before;
use crate::geography::{CHILD_REGION_WEIGHTS, pick_area};
use crate::names;
use crate::phrases::{self, Line, fill};
use crate::random::{Random, Spread, skewed_at};
use kinlink_domain::child::{
    ChildConfidential, ChildDetails, Contact, Ethnicity, FamilyRequirement, Gender, LegalStatus,
    Need, ProfileDetails,
};
use kinlink_domain::confidentiality::FindingKind;
use kinlink_domain::places;
use kinlink_domain::policy::ChildVisibility;
use kinlink_domain::profile::{CivilDate, NeedCategory, NeedLevel};

/// Share of waiting children who are in sibling groups (England, June 2025).
const SIBLING_SHARE: f64 = 0.57;
/// Share of waiting children who are disabled (England, June 2025): drawn per child, as a high
/// physical disability need.
const DISABLED_SHARE: f64 = 0.04;
/// Share of profiles still in draft.
const DRAFT_SHARE: f64 = 0.10;

/// Mean days waiting for a profile of children all under five and none disabled, and the
/// factors for a profile with a child of five or over and with a disabled child. Tuned (see the
/// crate's tests) so that England's averages come out: 292 days overall, 508 for children aged
/// five and over, 444 for disabled children.
const BASE_WAIT: f64 = 174.0;
const OLDER_WAIT: f64 = 2.95;
const DISABLED_WAIT: f64 = 1.75;

/// Age bands in months, [from, to), with weights: a single child's age.
const SINGLE_AGES: &[((u32, u32), u32)] = &[
    ((3, 12), 16),
    ((12, 24), 23),
    ((24, 36), 18),
    ((36, 48), 13),
    ((48, 60), 12),
    ((60, 84), 7),
    ((84, 120), 7),
    ((120, 204), 4),
];

/// The youngest of a sibling group; the others are older by a plausible gap.
const YOUNGEST_AGES: &[((u32, u32), u32)] = &[
    ((3, 12), 20),
    ((12, 24), 26),
    ((24, 36), 19),
    ((36, 48), 12),
    ((48, 60), 9),
    ((60, 84), 7),
    ((84, 120), 5),
    ((120, 168), 2),
];

/// A profile's ethnicity; a half-sibling now and then differs (which adds about two points to
/// the minority share, to the published 20%).
const ETHNICITIES: &[(Ethnicity, u32)] = &[
    (Ethnicity::WhiteBritish, 82),
    (Ethnicity::Mixed, 8),
    (Ethnicity::Black, 4),
    (Ethnicity::Asian, 3),
    (Ethnicity::WhiteOther, 2),
    (Ethnicity::Other, 1),
];

/// `total` children, grouped into profiles: single children and sibling groups.
pub(crate) fn generate(
    total: usize,
    rng: &mut Random,
    today: CivilDate,
) -> Vec<GeneratedChildProfile> {
    let mut sizes = group_sizes(total, rng);
    rng.shuffle(&mut sizes);
    // One spread of waiting times per kind of profile: under five or not, disabled or not.
    let mut waits = [
        Spread::new(rng),
        Spread::new(rng),
        Spread::new(rng),
        Spread::new(rng),
    ];
    let mut out: Vec<GeneratedChildProfile> = sizes
        .iter()
        .map(|&n| profile(n, rng, &mut waits, today))
        .collect();
    mark_drafts(&mut out, rng);
    out
}

/// Profile sizes adding up to `total`, with [`SIBLING_SHARE`] of the children in groups: mostly
/// pairs, some of three, a few of four.
fn group_sizes(total: usize, rng: &mut Random) -> Vec<usize> {
    let mut in_groups = (total as f64 * SIBLING_SHARE).round() as usize;
    if in_groups < 2 {
        in_groups = 0;
    }
    let mut sizes = Vec::new();
    let mut left = in_groups;
    while left >= 2 {
        let mut size = rng
            .weighted(&[(2usize, 70), (3, 24), (4, 6)])
            .copied()
            .unwrap_or(2)
            .min(left);
        if left - size == 1 {
            size = if size < 4 { size + 1 } else { size - 1 };
        }
        sizes.push(size);
        left -= size;
    }
    sizes.extend(std::iter::repeat_n(1, total - in_groups + left));
    sizes
}

/// What the profile-level draws decided for a child, before their details are written out.
struct Sketch {
    alias: String,
    gender: Gender,
    months: u32,
    born: CivilDate,
    ethnicity: Ethnicity,
    disabled: bool,
    needs: Vec<Need>,
}

fn profile(
    size: usize,
    rng: &mut Random,
    waits: &mut [Spread; 4],
    today: CivilDate,
) -> GeneratedChildProfile {
    let home_area = pick_area(rng, &CHILD_REGION_WEIGHTS);
    let base_ethnicity = rng
        .weighted(ETHNICITIES)
        .copied()
        .unwrap_or(Ethnicity::WhiteBritish);
    let ages = ages(size, rng);
    let youngest_months = ages.iter().copied().min().unwrap_or(0);
    let legal_status = *rng
        .weighted(&[
            (LegalStatus::PlacementOrder, 88),
            (LegalStatus::PlacementOrderApplied, 8),
            (
                if youngest_months < 12 {
                    LegalStatus::ParentalConsent
                } else {
                    LegalStatus::PlacementOrder
                },
                4,
            ),
        ])
        .unwrap_or(&LegalStatus::PlacementOrder);

    // The children: names distinct within the profile.
    let mut kids: Vec<Sketch> = Vec::with_capacity(size);
    let mut twin_born: Option<CivilDate> = None;
    for (i, &months) in ages.iter().enumerate() {
        let gender = *rng
            .weighted(&[(Gender::Girl, 495), (Gender::Boy, 495), (Gender::Other, 10)])
            .unwrap_or(&Gender::Girl);
        let alias = loop {
            let name = rng
                .pick(names::first_names(gender))
                .copied()
                .unwrap_or("Sam");
            if !kids.iter().any(|k| k.alias == name) {
                break name.to_owned();
            }
        };
        let ethnicity = if i > 0 && rng.chance(0.10) {
            // A half-sibling with a different heritage.
            if base_ethnicity == Ethnicity::WhiteBritish {
                Ethnicity::Mixed
            } else {
                Ethnicity::WhiteBritish
            }
        } else {
            base_ethnicity
        };
        // An average month, so that 60 months is five years by the calendar too.
        let days_old = (f64::from(months) * 30.44) as u32 + rng.between(0, 29);
        let same_as_previous = i > 0 && ages.get(i - 1) == Some(&months);
        let born = match (same_as_previous, twin_born) {
            (true, Some(b)) => b,
            _ => days_before(today, days_old.max(1)),
        };
        twin_born = Some(born);
        let disabled = rng.chance(DISABLED_SHARE);
        let needs = needs(months, disabled, rng);
        kids.push(Sketch {
            alias,
            gender,
            months,
            born,
            ethnicity,
            disabled,
            needs,
        });
    }

    let family = Family::draw(&kids, rng);
    let oldest_months = ages.iter().copied().max().unwrap_or(0);
    let any_disabled = kids.iter().any(|k| k.disabled);
    let waiting_days = waiting_days(oldest_months, youngest_months, any_disabled, waits);

    let contact = Contact {
        letterbox: rng.chance(0.85),
        direct_birth_family: rng.chance(if oldest_months >= 60 { 0.30 } else { 0.10 }),
        sibling_contact: family.sibling_elsewhere.is_some() && rng.chance(0.85),
    };
    let contact_notes = contact_notes(contact, &family, &kids, rng);
    let (requirements, requirement_notes) = requirements(&kids, rng);
    let visibility = *rng
        .weighted(&[
            (ChildVisibility::All, 80),
            (ChildVisibility::AgenciesOnly, 8),
            (ChildVisibility::OwnRegion, 12),
        ])
        .unwrap_or(&ChildVisibility::All);
    let text = if size == 1 {
        single_text(&kids, &requirements, rng)
    } else {
        group_text(&kids, &requirements, rng)
    };

    let religion = religion(base_ethnicity, rng);
    // Brothers and sisters placed together live in one foster home, and go to schools of one
    // family of names.
    let address = address(rng);
    let school_name = rng.pick(names::SCHOOL_NAMES).copied().unwrap_or("Oakfield");
    let nursery = rng
        .pick(names::NURSERIES)
        .copied()
        .unwrap_or("Little Acorns Nursery");
    let children = kids
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            let surname = family.surname_of(i).to_owned();
            ChildDetails {
                ethnicity_detail: ethnicity_detail(k.ethnicity, rng).to_owned(),
                religion: religion.to_owned(),
                languages: languages(k.ethnicity, k.months, rng),
                legal_status,
                confidential: ChildConfidential {
                    surname,
                    address: address.clone(),
                    school: school(k.months, school_name, nursery, rng),
                    placement_location: format!("foster home in {home_area}"),
                    birth_relatives: family.relatives_of(i),
                },
                alias: k.alias,
                born: k.born,
                gender: k.gender,
                ethnicity: k.ethnicity,
                needs: k.needs,
            }
        })
        .collect();

    GeneratedChildProfile {
        profile: ProfileDetails {
            visibility,
            home_area: home_area.to_owned(),
            excluded_areas: places::default_exclusions(home_area),
            contact,
            contact_notes,
            requirements,
            requirement_notes,
            text,
        },
        children,
        waiting_days,
        draft: false,
        slip: None,
    }
}

/// Ages in months, youngest first.
fn ages(size: usize, rng: &mut Random) -> Vec<u32> {
    let from = |rng: &mut Random, table: &[((u32, u32), u32)]| {
        let (lo, hi) = rng.weighted(table).copied().unwrap_or((12, 24));
        rng.between(lo, hi - 1)
    };
    if size == 1 {
        return vec![from(rng, SINGLE_AGES)];
    }
    let mut ages = vec![from(rng, YOUNGEST_AGES)];
    while ages.len() < size {
        let previous = ages.last().copied().unwrap_or(0);
        // Twins now and then; otherwise one to three and a half years apart.
        let gap = if rng.chance(0.04) {
            0
        } else {
            rng.between(12, 42)
        };
        ages.push((previous + gap).min(16 * 12 + 11));
    }
    ages
}

fn waiting_days(oldest: u32, youngest: u32, disabled: bool, waits: &mut [Spread; 4]) -> u32 {
    let older = oldest >= 60;
    let mut scale = BASE_WAIT;
    if older {
        scale *= OLDER_WAIT;
    }
    if disabled {
        scale *= DISABLED_WAIT;
    }
    let u = waits
        .get_mut(usize::from(older) + 2 * usize::from(disabled))
        .map_or(0.5, Spread::next_quantile);
    let days = (scale * skewed_at(u)).round() as u32;
    // Published no younger than two months old.
    let most = (youngest * 30).saturating_sub(60).max(14);
    days.clamp(14, most)
}

/// A level drawn by weight for [none, low, medium, high].
fn level(rng: &mut Random, weights: [u32; 4]) -> NeedLevel {
    let table: Vec<(NeedLevel, u32)> = NeedLevel::ALL.into_iter().zip(weights).collect();
    rng.weighted(&table).copied().unwrap_or(NeedLevel::None)
}

fn needs(months: u32, disabled: bool, rng: &mut Random) -> Vec<Need> {
    use NeedCategory as C;
    let band = phrases::band(months);
    let by_band = |baby: [u32; 4],
                   toddler: [u32; 4],
                   preschool: [u32; 4],
                   school: [u32; 4],
                   teen: [u32; 4]| match band {
        phrases::BABY => baby,
        phrases::TODDLER => toddler,
        phrases::PRESCHOOL => preschool,
        phrases::SCHOOL => school,
        _ => teen,
    };
    let weights: [(C, [u32; 4]); 7] = [
        (
            C::PhysicalHealth,
            if disabled {
                [20, 40, 30, 10]
            } else {
                [72, 18, 8, 2]
            },
        ),
        (
            C::PhysicalDisability,
            if disabled {
                [0, 0, 0, 1]
            } else {
                [95, 3, 2, 0]
            },
        ),
        (
            C::LearningDisabilityOrDevelopmentalDelay,
            if disabled {
                [30, 30, 25, 15]
            } else {
                by_band(
                    [90, 8, 2, 0],
                    [70, 20, 8, 2],
                    [60, 24, 12, 4],
                    [60, 24, 12, 4],
                    [60, 24, 12, 4],
                )
            },
        ),
        (C::Fasd, [88, 6, 5, 1]),
        (
            C::EmotionalAndBehavioural,
            by_band(
                [70, 28, 2, 0],
                [40, 45, 13, 2],
                [25, 45, 24, 6],
                [12, 38, 38, 12],
                [10, 30, 40, 20],
            ),
        ),
        (
            C::DevelopmentalUncertainty,
            by_band(
                [15, 30, 40, 15],
                [30, 40, 25, 5],
                [50, 35, 13, 2],
                [75, 20, 5, 0],
                [75, 20, 5, 0],
            ),
        ),
        (
            C::TraumaHistory,
            by_band(
                [35, 45, 17, 3],
                [15, 45, 32, 8],
                [8, 40, 40, 12],
                [5, 30, 45, 20],
                [5, 30, 45, 20],
            ),
        ),
    ];
    weights
        .into_iter()
        .filter_map(|(category, w)| {
            let level = level(rng, w);
            (level != NeedLevel::None).then(|| Need {
                category,
                level,
                notes: phrases::need_note(category, level, rng.below(8)).to_owned(),
            })
        })
        .collect()
}

/// The birth family: surnames and the names of recorded relatives (confidential).
struct Family {
    surname: &'static str,
    /// A half-sibling's different surname, from this child on.
    other_surname: Option<(usize, &'static str)>,
    mother: String,
    father: Option<String>,
    /// A second father, for the half-siblings.
    other_father: Option<String>,
    grandparent: Option<(String, &'static str)>,
    /// First name, "brother" or "sister", older or younger.
    sibling_elsewhere: Option<(String, &'static str, &'static str)>,
}

impl Family {
    fn draw(kids: &[Sketch], rng: &mut Random) -> Family {
        let surname = rng.pick(names::SURNAMES).copied().unwrap_or("Smith");
        let other_surname = (kids.len() > 1 && rng.chance(0.15)).then(|| {
            let from = 1 + rng.below(kids.len() - 1);
            (from, other(surname, rng))
        });
        let mother_surname = if rng.chance(0.7) {
            surname
        } else {
            other(surname, rng)
        };
        let mother = format!(
            "{} {mother_surname}",
            rng.pick(names::WOMEN).copied().unwrap_or("Sarah")
        );
        let father = rng.chance(0.55).then(|| {
            let father_surname = if mother_surname == surname {
                other(surname, rng)
            } else {
                surname
            };
            format!(
                "{} {father_surname}",
                rng.pick(names::MEN).copied().unwrap_or("David")
            )
        });
        let other_father = other_surname.and_then(|(_, s)| {
            rng.chance(0.6)
                .then(|| format!("{} {s}", rng.pick(names::MEN).copied().unwrap_or("David")))
        });
        let grandparent = rng.chance(0.35).then(|| {
            let (list, word) = if rng.chance(0.7) {
                (names::GRANDMOTHERS, "grandmother")
            } else {
                (names::GRANDFATHERS, "grandfather")
            };
            let first = rng.pick(list).copied().unwrap_or("Linda");
            (format!("{first} {mother_surname}"), word)
        });
        let sibling_elsewhere = rng.chance(0.3).then(|| {
            let (list, word) = if rng.chance(0.5) {
                (names::GIRLS, "sister")
            } else {
                (names::BOYS, "brother")
            };
            let name = loop {
                let n = rng.pick(list).copied().unwrap_or("Sam");
                if !kids.iter().any(|k| k.alias == n) {
                    break n.to_owned();
                }
            };
            (
                name,
                word,
                if rng.chance(0.6) { "older" } else { "younger" },
            )
        });
        Family {
            surname,
            other_surname,
            mother,
            father,
            other_father,
            grandparent,
            sibling_elsewhere,
        }
    }

    fn surname_of(&self, child: usize) -> &'static str {
        match self.other_surname {
            Some((from, s)) if child >= from => s,
            _ => self.surname,
        }
    }

    /// One to four names per child.
    fn relatives_of(&self, child: usize) -> Vec<String> {
        let half = matches!(self.other_surname, Some((from, _)) if child >= from);
        let father = if half {
            &self.other_father
        } else {
            &self.father
        };
        let mut out = vec![self.mother.clone()];
        out.extend(father.iter().cloned());
        out.extend(self.grandparent.iter().map(|(n, _)| n.clone()));
        out.extend(self.sibling_elsewhere.iter().map(|(n, _, _)| n.clone()));
        out
    }
}

fn other(surname: &str, rng: &mut Random) -> &'static str {
    loop {
        let s = rng.pick(names::SURNAMES).copied().unwrap_or("Jones");
        if s != surname {
            return s;
        }
    }
}

/// The words a child's sentences are filled with.
struct Words {
    name: String,
    he_cap: String,
    he: String,
    him: &'static str,
    his: &'static str,
    his_cap: &'static str,
    own: &'static str,
    kid: &'static str,
}

impl Words {
    fn of(kid: &Sketch) -> Words {
        let (he, him, his, own, word) = match kid.gender {
            Gender::Girl => ("she", "her", "her", "herself", "girl"),
            Gender::Boy => ("he", "him", "his", "himself", "boy"),
            // The name in place of "they", which would need plural verbs.
            Gender::Other => ("", "them", "their", "themselves", "child"),
        };
        let (he, he_cap) = if he.is_empty() {
            (kid.alias.clone(), kid.alias.clone())
        } else {
            (he.to_owned(), capitalise(he))
        };
        Words {
            name: kid.alias.clone(),
            he_cap,
            he,
            him,
            his,
            his_cap: match his {
                "her" => "Her",
                "his" => "His",
                _ => "Their",
            },
            own,
            kid: word,
        }
    }

    /// As the subject of a sentence in a sibling group's profile, the name instead of "She".
    fn named(mut self) -> Words {
        self.he_cap = self.name.clone();
        self
    }

    fn fill(&self, template: &str) -> String {
        fill(
            template,
            &[
                ("name", &self.name),
                ("He", &self.he_cap),
                ("he", &self.he),
                ("him", self.him),
                ("his", self.his),
                ("His", self.his_cap),
                ("self", self.own),
                ("kid", self.kid),
            ],
        )
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Picks up to `n` lines for this band that have not been used yet.
fn pick_lines(
    bank: &'static [Line],
    band: u8,
    n: usize,
    used: &mut Vec<&'static str>,
    rng: &mut Random,
) -> Vec<&'static str> {
    let mut fits: Vec<&'static str> = bank
        .iter()
        .filter(|l| l.bands & band != 0 && !used.contains(&l.text))
        .map(|l| l.text)
        .collect();
    rng.shuffle(&mut fits);
    fits.truncate(n);
    used.extend(fits.iter().copied());
    fits
}

/// Sentences of a profile, some of which may go if the text runs long.
struct Text {
    paragraphs: Vec<Vec<(String, bool)>>,
}

impl Text {
    fn words(&self) -> usize {
        self.paragraphs
            .iter()
            .flatten()
            .map(|(s, _)| s.split_whitespace().count())
            .sum()
    }

    /// Drops optional sentences, last first, until the text fits.
    fn trim_to(&mut self, max_words: usize) {
        while self.words() > max_words {
            let last_optional = self.paragraphs.iter_mut().rev().find_map(|p| {
                p.iter()
                    .rposition(|(_, optional)| *optional)
                    .map(|i| (p, i))
            });
            match last_optional {
                Some((p, i)) => {
                    p.remove(i);
                }
                None => break,
            }
        }
    }

    fn render(self) -> String {
        self.paragraphs
            .into_iter()
            .filter(|p| !p.is_empty())
            .map(|p| p.into_iter().map(|(s, _)| s).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join("\n\n")
    }
}

const MIN_WORDS: usize = 80;
/// Leaves room for a draft's slip within 250 words.
const MAX_WORDS: usize = 235;

/// The profile's need sentences: the highest needs first, at most `n`.
fn need_sentences(kid: &Sketch, words: &Words, n: usize, rng: &mut Random) -> Vec<String> {
    let mut needs: Vec<&Need> = kid
        .needs
        .iter()
        .filter(|n| n.level >= NeedLevel::Low)
        .collect();
    needs.sort_by_key(|n| std::cmp::Reverse(n.level));
    needs
        .into_iter()
        .filter_map(|need| {
            phrases::need_sentence(
                need.category,
                need.level,
                phrases::band(kid.months),
                rng.below(4),
            )
        })
        .take(n)
        .map(|t| words.fill(t))
        .collect()
}

fn single_text(kids: &[Sketch], requirements: &[FamilyRequirement], rng: &mut Random) -> String {
    let Some(kid) = kids.first() else {
        return String::new();
    };
    let words = Words::of(kid);
    let band = phrases::band(kid.months);
    let mut used = Vec::new();
    let line = |t: &str, optional: bool| (words.fill(t), optional);

    let mut first: Vec<(String, bool)> = Vec::new();
    for t in pick_lines(phrases::OPENINGS, band, 1, &mut used, rng) {
        first.push(line(t, false));
    }
    let interests = pick_lines(phrases::INTERESTS, band, 2 + rng.below(2), &mut used, rng);
    for (i, t) in interests.into_iter().enumerate() {
        first.push(line(t, i > 0));
    }
    for t in pick_lines(phrases::ROUTINES, band, 1, &mut used, rng) {
        first.push(line(t, true));
    }

    let mut second: Vec<(String, bool)> = need_sentences(kid, &words, 2, rng)
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, i > 0))
        .collect();
    if kid.ethnicity.is_minority() && rng.chance(0.7) {
        for t in pick_lines(phrases::HERITAGE, band, 1, &mut used, rng) {
            second.push(line(t, false));
        }
    }
    if let Some(sentence) = requirement_sentence(requirements, false) {
        second.push((words.fill(sentence), false));
    }
    for (i, t) in pick_lines(
        phrases::FAMILY_NEEDS,
        band,
        1 + rng.below(2),
        &mut used,
        rng,
    )
    .into_iter()
    .enumerate()
    {
        second.push(line(t, i > 0));
    }
    for t in pick_lines(phrases::CLOSINGS, band, 1, &mut used, rng) {
        second.push(line(t, false));
    }

    let mut text = Text {
        paragraphs: vec![first, second],
    };
    // Short profiles (a baby with few needs) get another interest or two.
    while text.words() < MIN_WORDS {
        let more = pick_lines(phrases::INTERESTS, band, 1, &mut used, rng);
        let more = if more.is_empty() {
            pick_lines(phrases::FAMILY_NEEDS, band, 1, &mut used, rng)
        } else {
            more
        };
        let Some(t) = more.first() else { break };
        if let Some(p) = text.paragraphs.first_mut() {
            p.push(line(t, false));
        }
    }
    text.trim_to(MAX_WORDS);
    text.render()
}

fn group_text(kids: &[Sketch], requirements: &[FamilyRequirement], rng: &mut Random) -> String {
    let names = kinlink_domain::child::names_list(kids.iter().map(|k| k.alias.as_str()));
    let kin = kin(kids);
    let count = match kids.len() {
        2 => "two",
        3 => "three",
        4 => "four",
        _ => "several",
    };
    let all = match kids.len() {
        2 => "Both",
        3 => "All three",
        4 => "All four",
        _ => "All",
    };
    let (Some(youngest), Some(eldest)) = (kids.first(), kids.last()) else {
        return String::new();
    };
    let eldest_kin = match eldest.gender {
        Gender::Girl => "sister",
        Gender::Boy => "brother",
        Gender::Other => "sibling",
    };
    let group_fill = |t: &str| {
        fill(
            t,
            &[
                ("names", &names),
                ("kin", kin),
                ("count", count),
                ("All", all),
                ("eldest", &eldest.alias),
                ("youngest", &youngest.alias),
                ("eldest_kin", eldest_kin),
            ],
        )
    };
    let youngest_band = phrases::band(youngest.months);

    let mut intro: Vec<(String, bool)> = Vec::new();
    if let Some(t) = rng.pick(phrases::GROUP_OPENINGS) {
        intro.push((group_fill(t), false));
    }
    let mut each: Vec<(String, bool)> = Vec::new();
    let mut used = Vec::new();
    // Eldest first, as family finders introduce them.
    for kid in kids.iter().rev() {
        let band = phrases::band(kid.months);
        for t in pick_lines(phrases::OPENINGS, band, 1, &mut used, rng) {
            each.push((Words::of(kid).fill(t), false));
        }
        for t in pick_lines(phrases::INTERESTS, band, 1, &mut used, rng) {
            each.push((Words::of(kid).named().fill(t), kids.len() > 2));
        }
    }
    let mut together: Vec<(String, bool)> = Vec::new();
    for (i, t) in pick_lines(phrases::GROUP_TOGETHER, youngest_band, 2, &mut used, rng)
        .into_iter()
        .enumerate()
    {
        together.push((group_fill(t), i > 0));
    }
    // The needs of the child who needs most, by name.
    let neediest = kids.iter().max_by_key(|k| {
        k.needs
            .iter()
            .map(|n| n.level)
            .max()
            .unwrap_or(NeedLevel::None)
    });
    if let Some(kid) = neediest {
        let words = Words::of(kid).named();
        for (i, s) in need_sentences(kid, &words, 2, rng).into_iter().enumerate() {
            together.push((s, i > 0));
        }
    }
    let mut family: Vec<(String, bool)> = Vec::new();
    if kids.iter().any(|k| k.ethnicity.is_minority())
        && rng.chance(0.7)
        && let Some(t) = rng.pick(phrases::GROUP_HERITAGE)
    {
        family.push((group_fill(t), false));
    }
    if let Some(sentence) = requirement_sentence(requirements, true) {
        family.push((group_fill(sentence), false));
    }
    let mut needs: Vec<&str> = phrases::GROUP_FAMILY_NEEDS.to_vec();
    rng.shuffle(&mut needs);
    for (i, t) in needs.into_iter().take(2).enumerate() {
        family.push((group_fill(t), i > 0));
    }
    if let Some(t) = rng.pick(phrases::GROUP_CLOSINGS) {
        family.push((group_fill(t), false));
    }
    let mut text = Text {
        paragraphs: vec![intro.into_iter().chain(each).collect(), together, family],
    };
    text.trim_to(MAX_WORDS);
    text.render()
}

/// "sisters", "brothers", "brother and sister", "brothers and sisters" or "siblings".
fn kin(kids: &[Sketch]) -> &'static str {
    let girls = kids.iter().filter(|k| k.gender == Gender::Girl).count();
    let boys = kids.iter().filter(|k| k.gender == Gender::Boy).count();
    match (girls, boys) {
        (g, 0) if g == kids.len() => "sisters",
        (0, b) if b == kids.len() => "brothers",
        (1, 1) if kids.len() == 2 => "brother and sister",
        (g, b) if g + b == kids.len() => "brothers and sisters",
        _ => "siblings",
    }
}

fn requirement_sentence(requirements: &[FamilyRequirement], group: bool) -> Option<&'static str> {
    let first = requirements.first()?;
    Some(match (first, group) {
        (FamilyRequirement::OnlyChildInHome, false) => {
            "{name} will do best as the only child in the family, where {he} can have all the attention {he} needs."
        }
        (FamilyRequirement::OnlyChildInHome, true) => {
            "{names} need to be the only children in their new home."
        }
        (FamilyRequirement::YoungestInHome, false) => {
            "{name} would do well as the youngest child in a family."
        }
        (FamilyRequirement::YoungestInHome, true) => {
            "{youngest} will need to be the youngest child in the family."
        }
        (FamilyRequirement::NoPets, false) => "{He} will need a home without pets.",
        (FamilyRequirement::NoPets, true) => "They will need a home without pets.",
        (FamilyRequirement::CarerAtHomeFullTime, false) => {
            "{His} care needs mean that one parent will need to be at home full-time."
        }
        (FamilyRequirement::CarerAtHomeFullTime, true) => {
            "Their needs mean that one parent will need to be at home full-time."
        }
    })
}

fn requirements(kids: &[Sketch], rng: &mut Random) -> (Vec<FamilyRequirement>, String) {
    let mut out = Vec::new();
    let mut notes = Vec::new();
    let high_eb = kids.iter().any(|k| {
        k.needs.iter().any(|n| {
            n.category == NeedCategory::EmotionalAndBehavioural && n.level == NeedLevel::High
        })
    });
    let only_child = if kids.len() == 1 && high_eb {
        0.5
    } else {
        0.05
    };
    if rng.chance(only_child) {
        out.push(FamilyRequirement::OnlyChildInHome);
        notes.push("Needs the undivided attention of the adults in the home.");
    } else if rng.chance(0.08) {
        out.push(FamilyRequirement::YoungestInHome);
        notes.push("Would struggle with a younger child competing for attention.");
    }
    if kids.iter().any(|k| k.disabled) && rng.chance(0.4) || rng.chance(0.01) {
        out.push(FamilyRequirement::CarerAtHomeFullTime);
        notes.push("Care and appointments need one parent at home full-time.");
    }
    if rng.chance(0.03) {
        out.push(FamilyRequirement::NoPets);
        notes.push("Severe allergy to animal fur.");
    }
    (out, notes.join(" "))
}

fn contact_notes(contact: Contact, family: &Family, kids: &[Sketch], rng: &mut Random) -> String {
    let their = if kids.len() > 1 {
        "their"
    } else {
        match kids.first().map(|k| k.gender) {
            Some(Gender::Girl) => "her",
            Some(Gender::Boy) => "his",
            _ => "their",
        }
    };
    let their_cap = capitalise(their);
    let how_often = |rng: &mut Random| {
        *rng.pick(&["once a year", "twice a year"])
            .unwrap_or(&"once a year")
    };
    let mut out = Vec::new();
    if contact.letterbox {
        let with = match &family.grandparent {
            Some((_, g)) if rng.chance(0.5) => format!("{their} birth mother and maternal {g}"),
            _ => format!("{their} birth mother"),
        };
        out.push(format!("Letterbox contact {} with {with}.", how_often(rng)));
    }
    if contact.direct_birth_family {
        let who = match &family.grandparent {
            Some((_, g)) => format!("{their} {g}"),
            None => format!("{their} birth mother"),
        };
        out.push(format!(
            "Direct contact with {who} {}, supported by the agency.",
            how_often(rng)
        ));
    }
    if contact.sibling_contact
        && let Some((_, word, age)) = &family.sibling_elsewhere
    {
        out.push(format!(
            "{their_cap} {age} {word} lives with another family; the plan is for them to meet {}.",
            how_often(rng)
        ));
    }
    if out.is_empty() {
        out.push("No ongoing contact is planned.".to_owned());
    }
    out.join(" ")
}

fn religion(ethnicity: Ethnicity, rng: &mut Random) -> &'static str {
    let table: &[(&str, u32)] = match ethnicity {
        Ethnicity::WhiteBritish => &[
            ("", 50),
            ("None", 20),
            ("Christian", 20),
            ("Roman Catholic", 10),
        ],
        Ethnicity::WhiteOther => &[
            ("Roman Catholic", 50),
            ("Christian (Orthodox)", 20),
            ("", 30),
        ],
        Ethnicity::Mixed => &[("", 50), ("Christian", 30), ("Muslim", 20)],
        Ethnicity::Asian => &[("Muslim", 50), ("Hindu", 20), ("Sikh", 15), ("", 15)],
        Ethnicity::Black => &[("Christian", 60), ("Muslim", 20), ("", 20)],
        Ethnicity::Other => &[("Muslim", 40), ("", 60)],
    };
    rng.weighted(table).copied().unwrap_or("")
}

fn ethnicity_detail(ethnicity: Ethnicity, rng: &mut Random) -> &'static str {
    let options: &[&str] = match ethnicity {
        Ethnicity::WhiteBritish => &["White British"],
        Ethnicity::WhiteOther => &[
            "White Polish",
            "White Romanian",
            "White Irish",
            "Gypsy or Roma",
            "White Lithuanian",
        ],
        Ethnicity::Mixed => &[
            "White British and Black Caribbean",
            "White British and Black African",
            "White British and Asian",
            "White British and Pakistani",
            "Mixed heritage",
        ],
        Ethnicity::Asian => &["Pakistani", "Bangladeshi", "Indian", "Asian British"],
        Ethnicity::Black => &[
            "Black Caribbean",
            "Black African (Nigerian)",
            "Black African (Ghanaian)",
            "Black British",
            "Black African (Somali)",
        ],
        Ethnicity::Other => &["Arab", "Kurdish", "Another ethnic group"],
    };
    rng.pick(options).copied().unwrap_or("")
}

fn languages(ethnicity: Ethnicity, months: u32, rng: &mut Random) -> Vec<String> {
    let mut out = vec!["English".to_owned()];
    let second: &[&str] = match ethnicity {
        Ethnicity::WhiteOther => &["Polish", "Romanian", "Lithuanian"],
        Ethnicity::Asian => &["Urdu", "Bengali", "Punjabi", "Gujarati"],
        Ethnicity::Black => &["Yoruba", "Twi", "Somali"],
        Ethnicity::Other => &["Arabic", "Kurdish"],
        _ => &[],
    };
    if months >= 36 && rng.chance(0.3) {
        out.extend(rng.pick(second).map(|s| (*s).to_owned()));
    }
    out
}

fn address(rng: &mut Random) -> String {
    format!(
        "{} {} {}",
        rng.between(1, 120),
        rng.pick(names::STREETS).copied().unwrap_or("Elm"),
        rng.pick(names::STREET_KINDS).copied().unwrap_or("Road")
    )
}

fn school(months: u32, name: &str, nursery: &str, rng: &mut Random) -> String {
    let kind =
        |rng: &mut Random, kinds: &[&'static str]| rng.pick(kinds).copied().unwrap_or("School");
    match months {
        0..24 => String::new(),
        24..48 => nursery.to_owned(),
        48..84 => format!(
            "{name} {}",
            kind(rng, &["Primary School", "Infant School", "Primary Academy"])
        ),
        84..132 => format!(
            "{name} {}",
            kind(rng, &["Primary School", "Junior School", "Primary Academy"])
        ),
        _ => format!(
            "{name} {}",
            kind(rng, &["High School", "Academy", "Community College"])
        ),
    }
}

/// About one in ten profiles are drafts (not yet published, so not waiting); one in four of
/// those has a slip the confidentiality check should catch — so that a demo shows it at work.
fn mark_drafts(profiles: &mut [GeneratedChildProfile], rng: &mut Random) {
    if profiles.is_empty() {
        return;
    }
    let drafts = ((profiles.len() as f64 * DRAFT_SHARE).round() as usize).max(1);
    let mut order: Vec<usize> = (0..profiles.len()).collect();
    rng.shuffle(&mut order);
    let slips = drafts.div_ceil(4);
    for (n, &i) in order.iter().take(drafts).enumerate() {
        let Some(p) = profiles.get_mut(i) else {
            continue;
        };
        p.draft = true;
        p.waiting_days = 0;
        if n < slips {
            plant_slip(p, n, rng);
        }
    }
}

fn plant_slip(p: &mut GeneratedChildProfile, n: usize, rng: &mut Random) {
    const KINDS: [FindingKind; 6] = [
        FindingKind::SchoolName,
        FindingKind::Surname,
        FindingKind::Postcode,
        FindingKind::RelativeName,
        FindingKind::StreetAddress,
        FindingKind::DateOfBirth,
    ];
    let Some(child) = p.children.first() else {
        return;
    };
    let kind = KINDS[n % KINDS.len()];
    let words = Words::of(&Sketch {
        alias: child.alias.clone(),
        gender: child.gender,
        months: 0,
        born: child.born,
        ethnicity: child.ethnicity,
        disabled: false,
        needs: Vec::new(),
    });
    let c = &child.confidential;
    let sentence = match kind {
        FindingKind::SchoolName => {
            let school = if c.school.is_empty() {
                rng.pick(names::NURSERIES)
                    .copied()
                    .unwrap_or("Little Acorns Nursery")
                    .to_owned()
            } else {
                c.school.clone()
            };
            words.fill(&format!("{{He}} loves {{his}} class at {school}."))
        }
        FindingKind::Surname => words.fill(&format!(
            "{{name}} {} is ready for a family of {{his}} own.",
            c.surname
        )),
        FindingKind::Postcode => {
            let letter =
                |rng: &mut Random| char::from(*rng.pick(names::INWARD_LETTERS).unwrap_or(&b'A'));
            let postcode = format!(
                "{}{} {}{}{}",
                rng.pick(names::POSTCODE_AREAS).copied().unwrap_or("LS"),
                rng.between(1, 29),
                rng.between(1, 9),
                letter(rng),
                letter(rng)
            );
            words.fill(&format!(
                "{{His}} foster carers live near {postcode}, close to a big park."
            ))
        }
        FindingKind::RelativeName => {
            let mother = c.birth_relatives.first().cloned().unwrap_or_default();
            let first = mother.split_whitespace().next().unwrap_or("Sarah");
            words.fill(&format!(
                "{{He}} still talks about {{his}} birth mother, {first}."
            ))
        }
        FindingKind::StreetAddress => words.fill(&format!(
            "{{He}} lives with {{his}} foster carers at {}.",
            c.address
        )),
        _ => {
            let month = [
                "January",
                "February",
                "March",
                "April",
                "May",
                "June",
                "July",
                "August",
                "September",
                "October",
                "November",
                "December",
            ]
            .get(usize::from(child.born.month()).saturating_sub(1))
            .copied()
            .unwrap_or("March");
            words.fill(&format!(
                "{{He}} was born on {} {month} {}.",
                child.born.day(),
                child.born.year()
            ))
        }
    };
    // Into the first paragraph, where a worker writing about the child's day would put it.
    let text = &mut p.profile.text;
    match text.find("\n\n") {
        Some(at) => text.insert_str(at, &format!(" {sentence}")),
        None => {
            text.push(' ');
            text.push_str(&sentence);
        }
    }
    p.slip = Some(kind);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_sizes_add_up_with_the_sibling_share() {
        let mut rng = Random::new(5);
        for total in [0, 1, 2, 3, 24, 2940] {
            let sizes = group_sizes(total, &mut rng);
            assert_eq!(sizes.iter().sum::<usize>(), total);
            assert!(sizes.iter().all(|s| (1..=4).contains(s)));
            let grouped: usize = sizes.iter().filter(|s| **s > 1).sum();
            if total >= 24 {
                let share = grouped as f64 / total as f64;
                assert!((share - SIBLING_SHARE).abs() < 0.03, "{total}: {share}");
            }
        }
    }
}
