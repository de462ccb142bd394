/** Event-sourced feature state in internal streams (see state-log.ts). */
export { type StagedWrite, StateLog, type StateLogOptions, type StateLogOwner } from "./state-log.js";
