/** The server-side assignors by name. */
import type { AssignorName } from "../model.js";
import type { Assignor } from "./assignor.js";
import { rangeAssignor } from "./range.js";
import { uniformAssignor } from "./uniform.js";

export type { Assignor, AssignorInput, AssignorMember } from "./assignor.js";

export const ASSIGNOR_BY_NAME: Readonly<Record<AssignorName, Assignor>> = {
  uniform: uniformAssignor,
  range: rangeAssignor,
};
