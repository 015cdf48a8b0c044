// Whether the computer is online, as the system tells the webview
// (navigator.onLine and the online/offline events). Every view reads the
// vault, never the network, so being offline changes only two things: the
// sidebar says so, and Go's scheduler is told, so a scheduled sync waits for
// the network instead of failing.

import * as api from './api';

type Target = Pick<Window, 'addEventListener' | 'removeEventListener'>;

export class Network {
  online = $state(true);

  /** Starts listening; returns the function that stops. Go hears the state at once and on each change. */
  watch(nav: { onLine: boolean } = navigator, target: Target = window): () => void {
    const update = () => {
      this.online = nav.onLine;
      api.setOffline(!this.online).catch(() => {
        /* Go remembers the last state it heard; a failed call changes nothing shown */
      });
    };
    update();
    target.addEventListener('online', update);
    target.addEventListener('offline', update);
    return () => {
      target.removeEventListener('online', update);
      target.removeEventListener('offline', update);
    };
  }
}

export const network = new Network();
