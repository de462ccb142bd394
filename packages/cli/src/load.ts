/**
 * `rivulet/load`: the load generators `rivulet bench` runs, for scripts that imported them from
 * this package before they became their own (`@rivulet/load`).
 */
export * from "@rivulet/load";
