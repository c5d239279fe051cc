'use client';
export { default } from '../(en)/error';
