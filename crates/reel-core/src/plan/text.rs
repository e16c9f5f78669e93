//! Text overlays: ffmpeg's `drawtext`, always reading the text from a file in the job's
//! work folder with `expansion=none` (drawtext's `text=` is parsed twice, and `%{…}` would
//! be expanded), with the timeline 1.1 styling: a box of a given colour reaching `padding`
//! pixels beyond the text (`box=1:boxcolor:boxborderw`), an outline (`borderw`,
//! `bordercolor`), fades (the `alpha` expression, which drawtext evaluates every frame and
//! applies to glyphs, outline and box alike), and line alignment.
//!
//! # Alignment of multi-line text
//! drawtext lays the lines of a text out left-aligned (ffmpeg 6.1 added `text_align`; reel
//! supports 5.1). Left-aligned text is one drawtext. For `center` and `right` each line is
//! its own drawtext, placed by reel:
//! - its text file holds the line, then the whole text again, with a `line_spacing` so large
//!   that only the first line falls inside the frame. drawtext measures every line of its
//!   text, so in that instance `text_w` is the whole block's width and `max_glyph_h` the
//!   block's line height, and the line sits exactly where drawtext puts it in the block;
//! - its own width is not known to drawtext, so the engine measures it beforehand with the
//!   same ffmpeg and font ([`measure_args`], [`read_widths`]), and the plan places the
//!   line at `x + (text_w - width) / 2` (centre) or `x + text_w - width` (right).
//!
//! The box is one more drawtext of the whole text with invisible glyphs, so it covers the
//! whole block once (a box per line would overlap, darkening translucent boxes twice).
//! Without a measured width (a planner without ffmpeg, such as the browser build) the text
//! is drawn left-aligned, with a warning.

use crate::filter::{escape_value, secs};
use crate::timeline::{Align, Overlay, OverlayKind, Position, TextStyle, Timeline};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One line of text as drawtext lays it out: in this font at this size.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TextLine {
    /// The font family as the timeline names it (`None`: reel's default sans font).
    pub font: Option<String>,
    pub size: u32,
    pub text: String,
}

/// Widths in pixels (drawtext's `text_w`) of the lines of multi-line texts aligned centre
/// or right, measured by the engine before planning.
pub type TextWidths = BTreeMap<TextLine, u32>;

/// The font drawtext is given when the timeline names none.
pub const DEFAULT_FONT: &str = "Sans";

/// Far enough to push the lines after the first out of any frame (at most 16384 high).
const OUT_OF_FRAME: u32 = 100_000;

/// The lines of a text, split on `\n` (a `\r` before it is dropped).
pub fn lines(text: &str) -> Vec<&str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect()
}

/// Whether a text is drawn line by line (several lines aligned centre or right).
fn per_line(text: &str, align: Align) -> bool {
    align != Align::Left && text.contains('\n')
}

/// Every line whose width the plan needs: the lines of multi-line texts aligned centre or
/// right (blank lines need none).
pub fn lines_to_measure(timeline: &Timeline) -> Vec<TextLine> {
    let mut out: Vec<TextLine> = Vec::new();
    for overlay in &timeline.overlays {
        if let OverlayKind::Text { text, size, font, style, .. } = &overlay.kind {
            if !per_line(text, style.align) {
                continue;
            }
            for line in lines(text) {
                let key = TextLine { font: font.clone(), size: *size, text: line.to_owned() };
                if !line.is_empty() && !out.contains(&key) {
                    out.push(key);
                }
            }
        }
    }
    out
}

/// Canvas width of the measuring command: lines wider than this measure as this wide.
pub const MEASURE_WIDTH: u32 = 8192;

/// The rows given to each line on the measuring canvas.
fn band(size: u32) -> u32 {
    size.saturating_mul(4).max(8)
}

/// Where [`measure_args`] writes its frame in the work folder.
pub const MEASURE_OUTPUT: &str = "widths.gray";

/// The ffmpeg arguments that measure `lines` (run in a work folder holding the files it
/// returns): each line drawn by drawtext exactly as an export draws it, with invisible glyphs
/// and a white box with no padding, which drawtext makes exactly `text_w` wide, in its own
/// band of a black canvas; one grey frame written to [`MEASURE_OUTPUT`]. [`read_widths`]
/// reads it. For lines whose bands fit one canvas: call once per batch
/// ([`measure_batches`]). Also returns the canvas height.
pub fn measure_args(lines: &[TextLine]) -> (Vec<String>, Vec<crate::plan::WorkFile>, u32) {
    let height: u32 = lines.iter().map(|l| band(l.size)).sum::<u32>().max(2).next_multiple_of(2);
    let mut files = Vec::new();
    let mut filters = Vec::new();
    let mut y = 0;
    for (k, line) in lines.iter().enumerate() {
        let name = format!("line{k}.txt");
        files.push(crate::plan::WorkFile { name: name.clone(), contents: line.text.clone() });
        filters.push(format!(
            "drawtext=textfile={}:expansion=none:font={}:fontsize={}:fontcolor=black@0:x=0:y={y}:box=1:boxcolor=white:boxborderw=0",
            escape_value(&name),
            escape_value(line.font.as_deref().unwrap_or(DEFAULT_FONT)),
            line.size
        ));
        y += band(line.size);
    }
    let graph = format!("color=c=black:s={MEASURE_WIDTH}x{height}:r=1:d=1,format=gray,{}", filters.join(","));
    (crate::args::render_frame_args(&graph, MEASURE_OUTPUT), files, height)
}

/// `lines` in batches that [`measure_args`] can draw on one canvas of at most 8192 rows.
pub fn measure_batches(lines: &[TextLine]) -> Vec<&[TextLine]> {
    let mut out = Vec::new();
    let (mut from, mut rows) = (0, 0);
    for (k, line) in lines.iter().enumerate() {
        let b = band(line.size);
        if k > from && rows + b > 8192 {
            out.push(&lines[from..k]);
            (from, rows) = (k, 0);
        }
        rows += b;
    }
    if from < lines.len() {
        out.push(&lines[from..]);
    }
    out
}

/// The widths in the grey frame `pixels` that [`measure_args`] wrote for `lines`: the
/// rightmost white column of each line's band, plus one.
pub fn read_widths(lines: &[TextLine], pixels: &[u8]) -> Result<TextWidths, String> {
    let width = MEASURE_WIDTH as usize;
    let rows: u32 = lines.iter().map(|l| band(l.size)).sum::<u32>().max(2).next_multiple_of(2);
    if pixels.len() != width * rows as usize {
        return Err(format!("the measuring frame has {} bytes, expected {}", pixels.len(), width * rows as usize));
    }
    let mut out = TextWidths::new();
    let mut y0 = 0_usize;
    for line in lines {
        let b = band(line.size) as usize;
        let mut right = 0_usize;
        for row in pixels[y0 * width..(y0 + b) * width].chunks(width) {
            if let Some(x) = row.iter().rposition(|p| *p > 128) {
                right = right.max(x + 1);
            }
        }
        out.insert(line.clone(), u32::try_from(right).unwrap_or(u32::MAX));
        y0 += b;
    }
    Ok(out)
}

/// A text overlay to draw.
pub(super) struct Text<'a> {
    pub index: usize,
    pub overlay: &'a Overlay,
    pub words: &'a str,
    pub size: u32,
    pub color: &'a str,
    pub font: Option<&'a str>,
    pub style: &'a TextStyle,
}

impl Text<'_> {
    /// The drawtext filters (comma-separated, for one chain) and the files they read.
    /// `enable` is the escaped `enable` expression of the overlay's frames.
    pub fn filters(&self, enable: &str, widths: &TextWidths, warnings: &mut Vec<String>) -> (String, Vec<crate::plan::WorkFile>) {
        let index = self.index;
        let file = format!("text{index}.txt");
        let mut files = vec![crate::plan::WorkFile { name: file.clone(), contents: self.words.to_owned() }];
        let all = lines(self.words);
        let measured: Option<Vec<Option<u32>>> = per_line(self.words, self.style.align)
            .then(|| {
                all.iter()
                    .map(|l| {
                        if l.is_empty() {
                            return Some(None);
                        }
                        let key = TextLine { font: self.font.map(str::to_owned), size: self.size, text: (*l).to_owned() };
                        widths.get(&key).map(|w| Some(*w))
                    })
                    .collect()
            })
            .flatten();
        if per_line(self.words, self.style.align) && measured.is_none() {
            warnings.push(format!(
                "overlays[{index}].align: the widths of its lines were not measured (that needs ffmpeg when planning); its lines are drawn left-aligned"
            ));
        }
        let Some(widths) = measured else {
            // One drawtext: drawtext's own (left-aligned) layout.
            let (left, top) = (position(self.overlay.x, "(w-text_w)/2"), position(self.overlay.y, "(h-text_h)/2"));
            let mut f = self.common(&file, self.color, &left, &top);
            if let Some(b) = &self.style.boxed {
                f.push_str(&format!(":box=1:boxcolor={}:boxborderw={}", escape_value(&b.color), b.padding));
            }
            f.push_str(&self.outline());
            f.push_str(&format!(":enable={enable}"));
            return (f, files);
        };
        // Line by line (module docs): the block's left edge and top in drawtext's terms.
        let n = all.len();
        let block_x = position(self.overlay.x, "(w-text_w)/2");
        let block_y = match self.overlay.y {
            Position::Pixels(v) => v.to_string(),
            Position::Center => format!("(h-{n}*max_glyph_h)/2"),
        };
        let mut parts = Vec::new();
        if let Some(b) = &self.style.boxed {
            let top = position(self.overlay.y, "(h-text_h)/2");
            let mut f = self.common(&file, "black@0", &block_x, &top);
            f.push_str(&format!(":box=1:boxcolor={}:boxborderw={}:enable={enable}", escape_value(&b.color), b.padding));
            parts.push(f);
        }
        for (k, (line, width)) in all.iter().zip(widths).enumerate() {
            let Some(width) = width else { continue };
            let name = format!("text{index}-{k}.txt");
            files.push(crate::plan::WorkFile { name: name.clone(), contents: format!("{line}\n{}", self.words) });
            let left = match self.style.align {
                Align::Center => format!("{block_x}+(text_w-{width})/2"),
                Align::Right | Align::Left => format!("{block_x}+text_w-{width}"),
            };
            let top = format!("{block_y}+{k}*max_glyph_h");
            let mut f = self.common(&name, self.color, &left, &top);
            f.push_str(&format!(":line_spacing={OUT_OF_FRAME}"));
            f.push_str(&self.outline());
            f.push_str(&format!(":enable={enable}"));
            parts.push(f);
        }
        (parts.join(","), files)
    }

    /// `drawtext=textfile=…:expansion=none:font:fontsize:fontcolor:alpha:x:y`.
    fn common(&self, file: &str, color: &str, x: &str, y: &str) -> String {
        format!(
            "drawtext=textfile={}:expansion=none:font={}:fontsize={}:fontcolor={}:alpha={}:x={}:y={}",
            escape_value(file),
            escape_value(self.font.unwrap_or(DEFAULT_FONT)),
            self.size,
            escape_value(color),
            self.alpha(),
            escape_value(x),
            escape_value(y),
        )
    }

    fn outline(&self) -> String {
        self.style.outline.as_ref().map_or(String::new(), |o| format!(":borderw={}:bordercolor={}", o.width, escape_value(&o.color)))
    }

    /// The opacity, times the fades' levels at frame time `t` (the overlay's own time is
    /// `t - start`).
    fn alpha(&self) -> String {
        let o = self.overlay;
        let mut expr = o.opacity.to_string();
        if let Some(r) = o.fade_in {
            expr.push_str(&format!("*clip((t-{})/{},0,1)", secs(o.start - r.offset), secs(r.length)));
        }
        if let Some(r) = o.fade_out {
            expr.push_str(&format!("*clip(({}-t)/{},0,1)", secs(o.end + r.offset), secs(r.length)));
        }
        if o.fade_in.is_none() && o.fade_out.is_none() {
            expr
        } else {
            escape_value(&expr)
        }
    }
}

fn position(p: Position, centre: &str) -> String {
    match p {
        Position::Pixels(v) => v.to_string(),
        Position::Center => centre.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_on_newlines() {
        assert_eq!(lines("a\nbb\r\n\nc"), ["a", "bb", "", "c"]);
        assert_eq!(lines("one"), ["one"]);
    }

    #[test]
    fn widths_are_read_per_band() {
        let lines =
            vec![TextLine { font: None, size: 10, text: "ab".into() }, TextLine { font: Some("Serif".into()), size: 5, text: "c".into() }];
        let (args, files, rows) = measure_args(&lines);
        assert_eq!(rows, 60);
        assert_eq!(files.len(), 2);
        assert!(args.iter().any(|a| a.contains("fontcolor=black@0")), "{args:?}");
        let mut frame = vec![0_u8; MEASURE_WIDTH as usize * rows as usize];
        // A 37-pixel box in the first band, a 12-pixel one in the second.
        for x in 0..37 {
            frame[3 * MEASURE_WIDTH as usize + x] = 255;
        }
        for x in 0..12 {
            frame[(40 + 2) * MEASURE_WIDTH as usize + x] = 235;
        }
        let widths = read_widths(&lines, &frame).unwrap();
        assert_eq!(widths[&lines[0]], 37);
        assert_eq!(widths[&lines[1]], 12);
        assert!(read_widths(&lines, &frame[1..]).is_err());
    }

    #[test]
    fn batches_fit_a_canvas() {
        let big = TextLine { font: None, size: 1000, text: "x".into() };
        let lines = vec![big.clone(), big.clone(), big.clone()];
        let batches = measure_batches(&lines);
        assert_eq!(batches.iter().map(|b| b.len()).collect::<Vec<_>>(), [2, 1]);
    }
}
