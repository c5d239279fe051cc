'use client';
/** The step-through of a sparse convolution as a notebook cell. */
import { ConvStepper } from '../step/ConvStepper';

export default function ConvCell() {
  return <ConvStepper />;
}
