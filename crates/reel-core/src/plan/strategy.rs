//! Where the strategies are weighed: the one place that decides how an export is made.
//!
//! Each strategy is asked, cheapest first, whether it can make this export exactly and
//! whether it is worth it here; the first that says yes is built (or the one `--strategy`
//! forces, if it can). Every answer is kept as a [`Decision`] with its reasons, so
//! `reel plan --explain` shows why each strategy was or was not used.

use super::encoder::{select_encoder, EncoderChoice};
use super::layout::Layout;
use super::segments::Segmenter;
use super::smart::Smart;
use super::{copy, single_pass, Decision, Plan, PlanError, PlanOptions, Strategy};
use crate::capabilities::Capabilities;
use crate::timeline::{OutputSettings, Preset, Timeline};
use crate::validate::MediaMap;

/// Everything a strategy needs to decide and to build.
pub(super) struct Context<'a> {
    pub timeline: &'a Timeline,
    pub media: &'a MediaMap,
    pub settings: &'a OutputSettings,
    pub caps: &'a Capabilities,
    pub options: &'a PlanOptions<'a>,
    /// The output grid as the timeline and settings define it.
    pub layout: Layout,
    /// The grid encoding strategies render at (smaller with `draft_downscale`), with the
    /// warnings of the encoder choice.
    pub render_layout: Layout,
    pub encoder: EncoderChoice,
    /// Render jobs that may run at once.
    pub parallel: usize,
}

impl Context<'_> {
    /// The measured widths of text lines (none when not measured).
    pub fn text_widths(&self) -> &super::text::TextWidths {
        static NONE: super::text::TextWidths = std::collections::BTreeMap::new();
        self.options.text_widths.unwrap_or(&NONE)
    }
}

/// A strategy's answer: `Ok(why it should be used)` or `Err(why not)`.
pub(super) type Verdict = Result<Vec<String>, Vec<String>>;

/// How many encodes may run at once by default: one libx264/libx265 process keeps about 8
/// cores busy at 1080p (4 at 720p, 2 below), so more run side by side only when there are
/// cores to spare; hardware encoders run 2 at once (consumer GPUs allow few sessions).
pub fn default_jobs(cores: usize, width: u32, height: u32, hardware: bool) -> usize {
    if hardware {
        return 2;
    }
    let pixels = u64::from(width) * u64::from(height);
    let per_encode = if pixels >= 1920 * 1080 {
        8
    } else if pixels >= 1280 * 720 {
        4
    } else {
        2
    };
    (cores / per_encode).clamp(1, 16)
}

pub(super) fn plan(
    timeline: &Timeline,
    media: &MediaMap,
    settings: &OutputSettings,
    caps: &Capabilities,
    options: &PlanOptions<'_>,
) -> Result<Plan, PlanError> {
    let layout = Layout::new(timeline, media, settings)?;
    let encoder = select_encoder(settings, &layout, caps)?;
    let mut render_layout = if encoder.preset == Preset::Draft && settings.draft_downscale == Some(true) {
        layout.clone().downscaled()
    } else {
        layout.clone()
    };
    if encoder.preset == Preset::Draft && settings.preset.unwrap_or_default() == Preset::Auto {
        render_layout.warnings.push(format!(
            "preset auto chose draft (fastest, lower quality) for {}x{} over {:.0} s; set the preset to production for the final file",
            layout.width, layout.height, layout.duration
        ));
    }
    let parallel = options
        .jobs
        .unwrap_or_else(|| default_jobs(options.cores.max(1), render_layout.width, render_layout.height, encoder.is_hardware()))
        .max(1);
    let ctx = Context { timeline, media, settings, caps, options, layout, render_layout, encoder, parallel };

    let copy_verdict = copy::check(&ctx);
    let smart = Smart::new(&ctx);
    let segmenter = Segmenter::new(&ctx);
    let single = single_pass::SinglePass::new(&ctx);
    let verdicts = [
        (Strategy::Copy, copy_verdict),
        (Strategy::Smart, smart.verdict(&ctx)),
        (Strategy::Segments, segmenter.verdict(&ctx, single.command_bytes())),
        (Strategy::SinglePass, single.verdict(&ctx)),
    ];
    let chosen = match options.strategy {
        Some(forced) => {
            let (_, verdict) = verdicts.iter().find(|(s, _)| *s == forced).expect("every strategy has a verdict");
            // A forced strategy is used when it can make the export, even if not worth it.
            if let Err(reasons) = verdict {
                if !can_force(forced, reasons, smart.possible()) {
                    return Err(PlanError::Strategy { strategy: forced, reasons: reasons.clone() });
                }
            }
            forced
        }
        None => verdicts.iter().find(|(_, v)| v.is_ok()).map_or(Strategy::SinglePass, |(s, _)| *s),
    };
    let decisions = verdicts
        .iter()
        .map(|(strategy, verdict)| {
            let chosen_here = *strategy == chosen;
            let reasons = match verdict {
                Ok(why) if chosen_here => why.clone(),
                Err(_) if chosen_here => vec![format!("forced with --strategy {}", strategy.as_str())],
                // Weighed after the chosen one (more costly), or usable but not chosen.
                Err(why) if *strategy < chosen => why.clone(),
                _ => vec![format!("not needed: {} is cheaper here", chosen.as_str())],
            };
            Decision { strategy: *strategy, chosen: chosen_here, reasons }
        })
        .collect();
    let plan = match chosen {
        Strategy::Copy => copy::plan(&ctx, decisions),
        Strategy::Smart => smart.plan(&ctx, decisions),
        Strategy::Segments => segmenter.plan(&ctx, decisions),
        Strategy::SinglePass => single.plan(&ctx, decisions),
    };
    debug_assert_eq!(plan.validate(), Ok(()), "{:#?}", plan.jobs.iter().map(|j| (&j.id, &j.depends_on)).collect::<Vec<_>>());
    Ok(plan)
}

/// Whether a strategy that weighed itself out can still make the export when forced: the
/// encoding strategies always can (they were only not worth it) unless the command line
/// cannot be started; copy only when its frames would be exact; smart when some source can
/// be copied at all (`smart_possible`).
fn can_force(strategy: Strategy, reasons: &[String], smart_possible: bool) -> bool {
    match strategy {
        Strategy::Copy => false,
        Strategy::Smart => smart_possible,
        Strategy::Segments => true,
        Strategy::SinglePass => !reasons.iter().any(|r| r.contains(single_pass::TOO_LONG)),
    }
}
