/**
 * Refusals: documented phrasings of a model declining a request, in English, Spanish, French,
 * German, Portuguese, Italian, Dutch, Russian, Chinese and Japanese. Only the first
 * {@link REFUSAL_WINDOW} characters are searched: refusals open the answer, while a long answer
 * that mentions "I can't" in passing is not one.
 */
export const REFUSAL_WINDOW = 400;

export const REFUSAL_PATTERNS: readonly string[] = [
  // English
  "\\bI(?:'m| am)? (?:so |very |really )?sorry,? (?:but )?I (?:can(?:no|')t|cannot|won't|am unable|'m unable|am not able|'m not able)",
  "\\bI (?:can(?:no|')t|cannot|won't|will not|am unable to|'m unable to|am not able to|'m not able to|must decline to|have to decline to|do not feel comfortable|don't feel comfortable) (?:help|assist|provid|comply|fulfil|support|creat|generat|writ|giv|shar|do that|do this|engag|answer|continu|produc|offer|discuss)",
  "\\bI (?:must|have to|need to) (?:respectfully )?decline\\b",
  "\\bI(?:'m| am) (?:not able|unable) to (?:help|assist|provide|comply)",
  "\\bAs an AI(?: language model| assistant| model)?,? I (?:can(?:no|')t|cannot|don't|do not|am not|'m not)",
  "\\b(?:this|that|your) request (?:goes against|violates|is against) (?:my|the|our) (?:guidelines|policies|policy|usage polic)",
  "\\bI(?:'m| am) not (?:allowed|permitted|able) to (?:help|assist|provide|share|discuss)",
  "\\bI apologi[sz]e,? but I (?:can(?:no|')t|cannot|won't|am unable|'m unable)",
  // Spanish
  '\\blo siento,? (?:pero )?no (?:puedo|me es posible)',
  '\\bno (?:puedo|me es posible) (?:ayudar|ayudarte|ayudarle|proporcionar|ofrecer|cumplir|hacer eso|responder|generar|crear)',
  '\\bcomo (?:un )?(?:modelo de lenguaje|asistente de IA|IA),? no (?:puedo|tengo)',
  // French
  "\\bje (?:suis )?d[ée]sol[ée]e?,? (?:mais )?je ne (?:peux|suis) pas",
  "\\bje ne (?:peux|suis) pas (?:en mesure de |autoris[ée]e? à )?(?:vous aider|t'aider|aider|r[ée]pondre|fournir|fournir|g[ée]n[ée]rer|cr[ée]er|faire cela|accéder)",
  "\\ben tant qu'(?:IA|intelligence artificielle|assistant|mod[èe]le de langage),? je ne",
  // German
  '\\b(?:es )?tut mir (?:sehr )?leid,? (?:aber )?(?:ich kann|das kann ich)',
  '\\bich kann (?:Ihnen|dir|euch)? ?(?:dabei |damit |hierbei )?(?:leider )?nicht (?:helfen|behilflich sein|weiterhelfen|unterstützen)',
  '\\bich (?:kann|darf) (?:diese Anfrage|das|dies|keine) (?:leider )?nicht (?:erfüllen|beantworten|bereitstellen|erstellen)',
  '\\bals (?:KI|Sprachmodell|KI-Assistent),? (?:kann|darf) ich (?:nicht|keine)',
  // Portuguese
  '\\b(?:desculpe|sinto muito|lamento),? (?:mas )?n[ãa]o (?:posso|consigo)',
  '\\bn[ãa]o (?:posso|consigo) (?:ajudar|ajudá-lo|fornecer|atender|responder|criar|gerar|fazer isso)',
  // Italian
  '\\bmi dispiace,? (?:ma )?non (?:posso|sono in grado)',
  '\\bnon (?:posso|sono in grado di) (?:aiutarti|aiutarla|aiutare|fornire|rispondere|generare|creare|fare questo|soddisfare)',
  // Dutch
  '\\bhet spijt me,? (?:maar )?(?:ik kan|dat kan ik)',
  '\\bik kan (?:je|u) (?:daar |hier |daarmee |hiermee )?niet (?:mee )?(?:helpen|van dienst zijn)',
  // Russian
  '(?:извините|простите|к сожалению),? (?:но )?я не (?:могу|буду)',
  'я не могу (?:помочь|предоставить|выполнить|ответить|создать)',
  // Chinese, Japanese (no word boundaries)
  '(?:抱歉|对不起|很遗憾)[，,]?(?:但)?我(?:无法|不能|没办法)',
  '我(?:无法|不能)(?:帮助|协助|提供|回答|满足|完成)',
  '申し訳(?:ありません|ございません)が[、,]?.{0,40}(?:できません|お答えできません|お手伝いできません)',
  '(?:お手伝い|お答え|ご提供)(?:することは)?できません',
];

/**
 * Every built-in pattern contains one of these (lower-case) strings, so a text without any of them
 * is no refusal: a few substring searches spare the full regular expression on most texts.
 */
export const REFUSAL_KEYWORDS: readonly string[] = [
  'sorry', 'cannot', "can't", "won't", 'will not', 'unable', 'not able', 'decline', 'comfortable', 'as an ai', 'request', 'not allowed',
  'not permitted', 'apologi', 'siento', 'no puedo', 'no me es posible', 'no tengo', 'je ne', 'tut mir', 'ich kann', 'ich darf',
  'kann ich', 'darf ich', 'posso', 'consigo', 'non sono', 'spijt', 'ik kan', 'я не', '我无法', '我不能', '我没办法', 'できません',
];

export function compileRefusal(extra: readonly string[] = []): (text: string) => boolean {
  // Without the `u` flag: ~40× faster on V8 for this alternation, and the built-in patterns need
  // neither \p{…} classes nor astral characters (case folding of Cyrillic and accented Latin works).
  const builtin = new RegExp(REFUSAL_PATTERNS.map((p) => `(?:${p})`).join('|'), 'i');
  // The keywords as one case-insensitive alternation, with the same flags (so the same case folding)
  // as `builtin`: several times faster than lower-casing the text and searching each keyword.
  const keywords = new RegExp(REFUSAL_KEYWORDS.map((k) => k.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|'), 'i');
  const custom = extra.length ? new RegExp(extra.map((p) => `(?:${p})`).join('|'), 'iu') : undefined;
  return (text) => {
    const head = (text.length > REFUSAL_WINDOW ? text.slice(0, REFUSAL_WINDOW) : text).replace(/’/g, "'");
    if (custom?.test(head)) return true;
    return keywords.test(head) && builtin.test(head);
  };
}
