// #13 item 4: the agent desk page (/desk).
import { render } from 'preact';
import { Desk } from './desk';

const root = document.getElementById('desk');
if (root) render(<Desk />, root);
