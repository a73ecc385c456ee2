export { HistoryStore, StoreLockedError, historyWindowOf, type HistoryWindow, type AlertRecord, type StoredAlert, type StoreOptions } from './store.js';
export { compileRules, observe, AlertEvaluator, AlertRuleError, type AlertRuleSpec, type CompiledRule, type AlertState, type RuleState } from './alerts.js';
export { AlertNotifier, alertBody, type WebhookTarget, type DeliveryStats, type SendFn } from './notify.js';
export { followJsonl, type FollowOptions, type FollowPosition } from './follow.js';
export { Watcher, type SessionLike, type WatchState, type WatcherOptions, type WatchStats, type WindowHook } from './watcher.js';
