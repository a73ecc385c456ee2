#!/usr/bin/env node
// Writes current.jsonl and reference.jsonl: logged repeat samples (5 per prompt) of a chat
// assistant, hand-written to show the three kinds of variation the nondeterminism detector
// separates: identical answers (q1–q4), minimal edits of one answer (q5–q8) and unrelated answers
// (q9–q12, open-ended prompts). `reference` is last week's log: the same prompts, where q5–q8 were
// still answered identically. Run: node configs/samples/nondeterminism/make-samples.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const groups = [
  ['q1', 'What is the boiling point of water at sea level?', 'identical', ['Water boils at 100 degrees Celsius (212 degrees Fahrenheit) at sea level.']],
  ['q2', "Translate 'good morning' into Spanish.", 'identical', ["'Good morning' in Spanish is 'Buenos días'."]],
  ['q3', 'Which planet is closest to the Sun?', 'identical', ['Mercury is the planet closest to the Sun.']],
  ['q4', 'Is 17 a prime number?', 'identical', ['Yes. 17 is a prime number because its only divisors are 1 and itself.']],
  ['q5', 'Summarise our refund policy in one sentence.', 'minimal', [
    'Customers can return unused items within 30 days of purchase for a full refund.',
    'Customers can return unused items within 30 days of delivery for a full refund.',
    'Customers may return unused items within 30 days of purchase for a full refund.',
    'Customers can return any unused item within 30 days of purchase for a full refund.',
    'Customers can return unused items within 30 days of purchase to get a full refund.',
  ]],
  ['q6', 'Why is the sky blue?', 'minimal', [
    'The sky looks blue because air molecules scatter the short blue wavelengths of sunlight more than the longer red ones.',
    'The sky appears blue because air molecules scatter the short blue wavelengths of sunlight more than the longer red ones.',
    'The sky looks blue because molecules in the air scatter the short blue wavelengths of sunlight more than the longer red ones.',
    'The sky looks blue because air molecules scatter short blue wavelengths of sunlight much more than longer red ones.',
    'The sky looks blue because air molecules scatter the short blue wavelengths of sunlight more strongly than the longer red ones.',
  ]],
  ['q7', 'How do I reset my router?', 'minimal', [
    'Unplug the router, wait about 30 seconds, plug it back in and wait for the lights to stabilise.',
    'Unplug the router, wait around 30 seconds, plug it back in and wait until the lights stabilise.',
    'Unplug your router, wait about 30 seconds, then plug it back in and wait for the lights to stabilise.',
    'Unplug the router, wait about 30 seconds, plug it back in, and wait for the lights to become stable.',
    'Unplug the router, wait about 30 seconds, plug it in again and wait for the lights to stabilise.',
  ]],
  ['q8', 'What causes inflation?', 'minimal', [
    'Inflation happens when demand for goods and services grows faster than supply, or when production costs rise.',
    'Inflation occurs when demand for goods and services grows faster than supply, or when production costs rise.',
    'Inflation happens when the demand for goods and services grows faster than supply, or when costs of production rise.',
    'Inflation happens when demand for goods and services rises faster than supply, or when production costs increase.',
    'Inflation happens when demand for goods and services grows faster than supply or when production costs go up.',
  ]],
  ['q9', 'Write a one-line slogan for a coffee shop.', 'unrelated', [
    'Brewed with love, served with a smile.',
    'Wake up and smell the difference.',
    'Your daily grind, perfected.',
    'Where every cup tells a story.',
    'Life happens, coffee helps.',
  ]],
  ['q10', 'Tell me a fun fact.', 'unrelated', [
    'Octopuses have three hearts and blue blood.',
    'Honey never spoils; archaeologists have found edible honey in ancient Egyptian tombs.',
    'A day on Venus is longer than a year on Venus.',
    'Bananas are berries, but strawberries are not.',
    'Wombats produce cube-shaped droppings.',
  ]],
  ['q11', 'Suggest a name for my pet turtle.', 'unrelated', [
    'How about Sheldon? It is a classic pun on shell.',
    'Try Leonardo, after the famous Ninja Turtle.',
    'Maybe Speedy, an ironic choice for a slow pet.',
    'Consider Tank, because it carries its armour everywhere.',
    'Mochi would be a cute and gentle option.',
  ]],
  ['q12', 'Give me an idea for a weekend activity.', 'unrelated', [
    'Go on a sunrise hike and pack a picnic breakfast for the summit.',
    'Visit a local farmers market and cook a meal with what you find.',
    'Host a board game night with a few friends.',
    'Try a pottery class at a nearby studio.',
    'Spend an afternoon volunteering at an animal shelter.',
  ]],
];

function rows(reference) {
  const out = [];
  let t = Date.parse(reference ? '2024-06-03T09:00:00Z' : '2024-06-10T09:00:00Z');
  for (const [id, prompt, kind, answers] of groups) {
    for (let s = 0; s < 5; s++) {
      const stableBefore = reference && kind === 'minimal';
      const response = answers.length === 1 || stableBefore ? answers[0] : answers[s];
      out.push({ timestamp: new Date((t += 1700)).toISOString(), model: 'assistant-v2', prompt_id: id, prompt, sample: s, response, attributes: { kind } });
    }
  }
  return out.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

const here = (f) => fileURLToPath(new URL(f, import.meta.url));
writeFileSync(here('current.jsonl'), rows(false));
writeFileSync(here('reference.jsonl'), rows(true));
