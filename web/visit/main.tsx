// #13 item 3: the visitor's page behind the signed link: status and time, cancel, move.
import { render } from 'preact';
import { Visit } from './visit';

const root = document.getElementById('visit');
if (root) render(<Visit token={root.dataset.token ?? ''} />, root);
