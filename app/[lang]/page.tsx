export { default } from '../(en)/page';
