/** The whole build: models in DAG order, then identity and profiles. */
export { runProject, type RunOptions, type RunStep, type RunSummary } from './run-project.js';
