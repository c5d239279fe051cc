/** A file that is not what it should be. The message names the file and the problem, for the learner. */
export class DataFormatError extends Error {
  override name = 'DataFormatError';
}
