// Prompt-injection and jailbreak heuristics: a scored list of signals, combined as a noisy-OR
// (score = 1 - prod(1 - weight)), so one strong phrase scores high and weak hints add up.
// Signals: known phrasings ("ignore previous instructions", "you are now DAN", "disregard the
// system prompt", "reveal your system prompt"), role-override markers ("### system:",
// "<|im_start|>system", "[INST]", "<<SYS>>"), imperatives aimed at the assistant inside tool
// results, and obfuscation (zero-width characters, Latin/Cyrillic/Greek homoglyphs, base64
// that decodes to an injection). A text that talks *about* injection (it names the technique
// and quotes the phrase) is discounted. Limits (see docs/guardrails.md): English only,
// paraphrases and translations are missed, and quoting a phrase in a neutral question can
// still score if it is not recognisably meta.
import type { DetectorMatch } from './detectors';

interface Signal {
  name: string;
  weight: number;
  re: RegExp;
  /**
   * Lower-case words one of which every match contains: the regex runs only when one is
   * present. No trigger may contain another (one alternation pass finds them, leftmost first).
   */
  triggers: string[];
}

const ANY = String.raw`(?:all |any |the |your |my |these |those |of )*`;
const SIGNALS: Signal[] = [
  {
    name: 'ignore_previous',
    triggers: ['ignore', 'disregard', 'forget', 'skip', 'override', 'bypass'],
    weight: 0.8,
    re: new RegExp(
      String.raw`\b(?:ignore|disregard|forget|skip|override|bypass)\s+${ANY}(?:previous|prior|above|earlier|preceding|original|initial|system|safety)\s+(?:instructions?|prompts?|rules|directions|guidelines|messages|context|constraints)`,
      'gi',
    ),
  },
  {
    name: 'disregard_system',
    triggers: ['ignore', 'disregard', 'forget', 'override', 'bypass'],
    weight: 0.75,
    re: /\b(?:ignore|disregard|forget|override|bypass)\s+(?:the |your |all )*(?:system prompt|system message|guidelines|safety (?:rules|guidelines|filters)|content polic(?:y|ies))/gi,
  },
  {
    name: 'persona_override',
    triggers: ['you are', 'anything', 'mode'],
    weight: 0.7,
    re: /\byou are (?:now|no longer)\b[^.\n]{0,40}?\b(?:DAN|jailbroken|unrestricted|unfiltered|uncensored|evil|free from|without (?:any )?(?:rules|restrictions|limits))|\bdo anything now\b|\bDAN mode\b/gi,
  },
  {
    name: 'mode_switch',
    triggers: ['mode'],
    weight: 0.6,
    re: /\b(?:enable|enter|activate|switch to)\s+(?:developer|god|jailbreak|dan|sudo|admin|unrestricted)\s+mode\b/gi,
  },
  {
    name: 'prompt_leak',
    triggers: ['prompt', 'instruct'],
    weight: 0.55,
    re: /\b(?:reveal|print|show|repeat|output|leak|tell me)\s+(?:me\s+)?(?:your|the)\s+(?:system prompt|initial (?:prompt|instructions)|hidden (?:prompt|instructions)|original instructions)/gi,
  },
  {
    name: 'new_instructions',
    triggers: ['instruct', 'rules', 'prompt', 'from now', 'bound', 'restricted'],
    weight: 0.45,
    re: /\b(?:new|updated|real|actual) (?:instructions|rules|system prompt)\s*:|\bfrom now on,? you (?:will|must|are)\b|\bno (?:longer )?(?:bound|restricted) by\b/gi,
  },
  {
    name: 'role_marker',
    triggers: ['<|', 'inst]', 'sys>>', 'system', 'instruct'],
    weight: 0.6,
    re: /<\|im_start\|>\s*(?:system|assistant)|<\|(?:im_end|endoftext|system)\|>|\[\/?INST\]|<<\/?SYS>>|^[ \t]*#{2,}\s*(?:system|instruction|instructions)\s*:|^[ \t]*(?:system|SYSTEM)\s*:\s*\S/gim,
  },
];

/** Only scored inside tool results: text that addresses the model instead of the user. */
const TOOL_SIGNAL: Signal = {
  name: 'tool_instruction',
  triggers: ['must', 'should', 'need to', 'instruct', 'important', 'attention', 'note'],
  weight: 0.6,
  re: /\b(?:assistant|AI|model|agent|you)\s+(?:must|should|need to|are instructed to)\s+(?:now\s+)?(?:ignore|send|email|forward|call|execute|run|delete|transfer|reveal|include|visit|open)\b|\b(?:important|attention|note)\s*(?:to|for)\s+(?:the\s+)?(?:ai|assistant|model|agent)\b|\binstructions? (?:to|for) (?:the )?(?:ai|assistant|model|agent)\b/gi,
};

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;
const NON_ASCII = /[^\x00-\x7F]/;
const MIXED_SCRIPT = /[A-Za-z][\u0370-\u03FF\u0400-\u04FF]|[\u0370-\u03FF\u0400-\u04FF][A-Za-z]/;
/** Cyrillic and Greek letters that look like Latin ones. */
const HOMOGLYPHS: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ɡ: 'g',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  Х: 'X',
  І: 'I',
  ο: 'o',
  α: 'a',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  Ο: 'O',
  Α: 'A',
  Ε: 'E',
};
const HOMOGLYPH_RE = new RegExp(`[${Object.keys(HOMOGLYPHS).join('')}]`, 'g');
const MIN_BASE64 = 40;
const META =
  /\bprompt[- ]injections?\b|\bjailbreak(?:s|ing)?\b|\b(?:detect|defend|prevent|mitigate|protect)\w*\b|\bexample\b/i;

export interface InjectionResult {
  score: number;
  /** Names of the signals that fired (for logs and FiredCheck.detail). */
  signals: string[];
  /** Spans of the phrasings found in the text as given (what Redact replaces). */
  spans: DetectorMatch[];
}

const TRIGGERS = new RegExp(
  [...new Set([...SIGNALS, TOOL_SIGNAL].flatMap((s) => s.triggers))]
    .map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
  'g',
);

function runSignals(
  text: string,
  signals: Signal[],
  hits: Map<string, number>,
  spans: DetectorMatch[] | undefined,
): void {
  // Case-insensitive alternations are slow to scan; one pass of a literal alternation over a
  // lower-cased copy finds the trigger words present, and only their signals' regexes run.
  const lower = text.toLowerCase();
  const present = new Set<string>();
  TRIGGERS.lastIndex = 0;
  let t: RegExpExecArray | null;
  while ((t = TRIGGERS.exec(lower)) !== null) present.add(t[0]);
  if (present.size === 0) return;
  for (const s of signals) {
    if (!s.triggers.some((w) => present.has(w))) continue;
    s.re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = s.re.exec(text)) !== null) {
      if (m[0].length === 0) {
        s.re.lastIndex++;
        continue;
      }
      hits.set(s.name, s.weight);
      if (!spans) break;
      spans.push({ start: m.index, end: m.index + m[0].length, label: 'INJECTION' });
    }
  }
}

const isBase64Char = (c: number): boolean =>
  (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;

/** Decoded runs of 40+ base64 characters (one pass over the text: a regex here costs 10x). */
function decodedBase64(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  for (let i = 0; i <= text.length && out.length < 8; i++) {
    if (i < text.length && isBase64Char(text.charCodeAt(i))) continue;
    if (i - start >= MIN_BASE64) {
      const decoded = Buffer.from(text.slice(start, i), 'base64').toString('utf8');
      // Only text-like payloads are worth scoring (images and binary blobs are common and benign).
      if (/^[\x20-\x7E\s]+$/.test(decoded)) out.push(decoded);
    }
    start = i + 1;
  }
  return out;
}

/** Scores one text; `toolResult` adds the signals that only make sense in tool output. */
export function scoreInjection(text: string, toolResult = false, depth = 0): InjectionResult {
  const hits = new Map<string, number>();
  const spans: DetectorMatch[] = [];
  runSignals(text, toolResult ? [...SIGNALS, TOOL_SIGNAL] : SIGNALS, hits, spans);
  if (NON_ASCII.test(text)) {
    const zeroWidth = text.match(ZERO_WIDTH)?.length ?? 0;
    if (zeroWidth > 0) hits.set('zero_width', zeroWidth >= 3 ? 0.35 : 0.15);
    if (MIXED_SCRIPT.test(text)) hits.set('homoglyph', 0.3);
    const normalized = text.replace(ZERO_WIDTH, '').replace(HOMOGLYPH_RE, (c) => HOMOGLYPHS[c] ?? c);
    if (normalized !== text) {
      const hidden = new Map<string, number>();
      runSignals(normalized, SIGNALS, hidden, undefined);
      // A phrase that only appears once the text is de-obfuscated is a strong sign of intent.
      for (const [name, weight] of hidden)
        if (!hits.has(name)) hits.set(`obfuscated_${name}`, Math.min(0.95, weight + 0.1));
    }
  }
  if (depth === 0 && text.length >= 40) {
    for (const decoded of decodedBase64(text)) {
      const inner = scoreInjection(decoded, toolResult, 1);
      if (inner.score >= 0.4) hits.set('base64_hidden', Math.min(0.95, inner.score + 0.1));
    }
  }
  let keep = 1;
  for (const w of hits.values()) keep *= 1 - w;
  let score = 1 - keep;
  // Talking about injection (naming it, quoting an example) rather than attempting it.
  if (score > 0 && !toolResult && META.test(text) && /["'“‘`]/.test(text)) score *= 0.5;
  return { score: Math.round(score * 1000) / 1000, signals: [...hits.keys()], spans };
}
