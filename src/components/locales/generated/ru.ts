
    // Do not modify this file by hand!
    // Re-generate this file by running lit-localize

    
    

    /* eslint-disable no-irregular-whitespace */
    /* eslint-disable @typescript-eslint/no-explicit-any */

    export const templates = {
      's81ecf2d4386b8e84': `Продолжить`,
's9ea77d0d371dc469': `Обучить`,
    };
  