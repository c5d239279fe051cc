/**
 * An error as a learner reads it: the engine's message without the class name in front ("RangeError: …"):
 * the message already names the problem, in the page's language where the engine has one.
 */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/^(DataFormatError|RangeError|TypeError|Error|ModelSpecError|CheckpointMismatchError|ShapeError):\s*/, '');
}
