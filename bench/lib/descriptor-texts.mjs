// The bench texts of the descriptors benchmark (and its profile script): seeded 100-word responses
// from a common-word vocabulary, 5 % opening with a refusal, 5 % carrying a PII item.
import { mulberry32 } from '../../packages/random/dist/index.js';
const VOCAB = ('the of and to a in is you that it for on with as are this be at or have from by not but what all were when we there can an your which their said if do will each about how up out them then she many some so these would other into has more her two like him see time could no make than first been its who now people my made over did down only way find use may water long little very after words called just where most know get through back much before go good new write our used me man too any day same right look think also around another came come work three word must because does part even place well such here take why things help put years different away again off went old number great tell men say small every found still between name should home big give air line set own under read last never us left end along while might next sound below saw something thought both few those always looked show large often together asked house world going want school important until form food keep children feet land side without boy once animals life enough took sometimes four head above kind began almost live page got earth need far hand high year mother light parts country father let night following picture being study second eyes soon times story boys since white days ever paper hard near sentence better best across during today others however sure means knew its try told young miles sun ways thing whole hear example heard several change answer room sea against top turned learn point city play toward five using himself usually money seen car morning given already understand problem wonderful terrible happy sad thanks sorry please').split(' ');
const REFUSAL_OPENERS = ["I'm sorry, but I can't help with that.", 'I cannot assist with this request.', 'Lo siento, pero no puedo ayudarte con eso.'];
const PII = ['jane.roe@example.com', '4111 1111 1111 1111', '+1 415-555-0132', 'DE89 3704 0044 0532 0130 00', '192.168.1.20'];

export function benchResponses(n, seed) {
  const rnd = mulberry32(seed);
  const out = [];
  for (let i = 0; i < n; i++) {
    const words = [];
    for (let w = 0; w < 100; w++) words.push(VOCAB[Math.floor(rnd() * VOCAB.length)]);
    for (let s = 12 + Math.floor(rnd() * 6); s < 100; s += 12 + Math.floor(rnd() * 6)) words[s] += '.';
    words[0] = words[0][0].toUpperCase() + words[0].slice(1);
    let text = `${words.join(' ')}.`;
    if (rnd() < 0.05) text = `${REFUSAL_OPENERS[Math.floor(rnd() * REFUSAL_OPENERS.length)]} ${text}`;
    if (rnd() < 0.05) text += ` Contact ${PII[Math.floor(rnd() * PII.length)]}.`;
    out.push({ model: rnd() < 0.5 ? 'a' : 'b', prompt: 'Tell me something about the world around us today please.', response: text });
  }
  return out;
}

export const DEFAULT_SET = ['chars', 'words', 'tokens', 'refusal', 'sentiment', 'profanity', 'profane', 'pii', 'has_pii', 'language', 'readability', 'non_letter_share', 'valid_json'];
